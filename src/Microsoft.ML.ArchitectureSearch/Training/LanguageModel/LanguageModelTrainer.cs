using System.Diagnostics;
using Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;
using Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Training.LanguageModel;

/// <summary>
/// Trains any <see cref="WordLanguageModel"/> (a searched cell or the LSTM baseline) on a <see cref="LanguageModelCorpus"/>
/// with truncated BPTT over <see cref="ITextSegments"/>: by default each sentence from a zero state, as it is scored;
/// with <see cref="LanguageModelTrainingOptions.CarryStateAcrossSentences"/> the way PyTorch's word_language_model recipe
/// does, the hidden state carried (detached) across segments of parallel streams. Gradient-norm clipping, the options'
/// optimizer, learning rate divided on a validation plateau; validation is read the same way. The metric is
/// perplexity. Bad children (NaN or infinite loss) come back as a failed <see cref="TrialResult"/>, never an exception.
/// </summary>
internal sealed class LanguageModelTrainer
{
    public LanguageModelTrainer(LanguageModelCorpus corpus, LanguageModelTrainingOptions? options = null)
    {
        Corpus = corpus ?? throw new ArgumentNullException(nameof(corpus));
        Options = options ?? new LanguageModelTrainingOptions();
        Options.Validate();
        Device = TorchDevices.Resolve(Options.Device);
    }

    public LanguageModelCorpus Corpus { get; }

    public LanguageModelTrainingOptions Options { get; }

    public Device Device { get; }

    /// <summary>
    /// Initialises <paramref name="model"/> from <see cref="ChildTrainingSettings.Seed"/>, moves it to <see cref="Device"/>
    /// and trains it. Epochs end early under <see cref="LanguageModelTrainingOptions.MaxStepsPerEpoch"/>; when
    /// <see cref="ChildTrainingSettings.TimeLimit"/> runs out mid-epoch, that epoch is cut short, validated and counted,
    /// and training stops. With <see cref="ChildTrainingSettings.EpochCheckpointPath"/> every epoch's end is saved and a
    /// saved training continues from there; <paramref name="identity"/> names what is trained (e.g. the architecture),
    /// so that a checkpoint of another model is refused. Cancellation throws <see cref="OperationCanceledException"/>.
    /// The model ends in eval mode.
    /// </summary>
    public TrialResult Train(WordLanguageModel model, ChildTrainingSettings settings, CancellationToken cancellationToken = default, string? identity = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        if (model.VocabularySize != Corpus.VocabularySize)
            throw new ArgumentException($"The model predicts {model.VocabularySize} words but the corpus has {Corpus.VocabularySize}.", nameof(model));
        if (settings.Epochs < 1)
            throw new ArgumentException($"Epochs must be at least 1, got {settings.Epochs}.", nameof(settings));

        var wall = Stopwatch.StartNew();
        using (var initGenerator = new Generator((ulong)settings.Seed, model.Device))
            model.ResetParameters(initGenerator);
        model.MoveTo(Device);
        using var dropoutGenerator = new Generator((ulong)settings.Seed + 1, Device);
        model.DropoutGenerator = dropoutGenerator;
        try
        {
            // The identity hashes the whole corpus: only a training that checkpoints needs it (not every child of a search).
            string? checkpointIdentity = settings.EpochCheckpointPath is null ? null : CheckpointIdentity(model, settings, identity);
            return TrainEpochs(model, settings, wall, dropoutGenerator, checkpointIdentity, cancellationToken);
        }
        finally
        {
            model.DropoutGenerator = null;
            model.eval();
        }
    }

    /// <summary>What an epoch checkpoint must match: the model, the corpus, the seed and every training option.</summary>
    private string CheckpointIdentity(WordLanguageModel model, ChildTrainingSettings settings, string? identity) => InvariantText.Of(() =>
        $"{identity ?? model.GetType().Name}, {model.ParameterCount:N0} parameters; corpus of {Corpus.Train.Length:N0} training and " +
        $"{Corpus.Valid.Length:N0} validation tokens ({DataFingerprint.Of("tokens", Corpus.Train, Corpus.Valid)}), " +
        $"vocabulary {Corpus.VocabularySize:N0}; seed {settings.Seed}; {Options with { Device = Device.type.ToString() }}");

    /// <summary>Perplexity of <paramref name="model"/> on a token stream, as validation is measured (evaluation batch; per sentence, or carried state).</summary>
    public double Evaluate(WordLanguageModel model, int[] tokens, string streamName = "evaluation") => Evaluate(model, tokens, streamName, Options);

    /// <summary>Perplexity on a token stream read as <paramref name="options"/> say (per sentence or with the state carried).</summary>
    public double Evaluate(WordLanguageModel model, int[] tokens, string streamName, LanguageModelTrainingOptions options)
    {
        using var batches = Segments(tokens, options, options.EvaluationBatchSize, streamName, LanguageModelTrainingOptions.EvaluationBatchSizeOption);
        return Evaluate(model, batches);
    }

    private ITextSegments Segments(int[] tokens, LanguageModelTrainingOptions options, int batchSize, string streamName, string batchSizeOption) =>
        TextSegments.For(tokens, options, batchSize, Corpus.EndOfSentenceId, Device, streamName, batchSizeOption);

    private TrialResult TrainEpochs(WordLanguageModel model, ChildTrainingSettings settings, Stopwatch wall, Generator dropoutGenerator, string? identity,
        CancellationToken cancellationToken)
    {
        using var train = Segments(Corpus.Train, Options, Options.BatchSize, "training", LanguageModelTrainingOptions.BatchSizeOption);
        using var valid = Segments(Corpus.Valid, Options, Options.EvaluationBatchSize, "validation", LanguageModelTrainingOptions.EvaluationBatchSizeOption);
        var parameters = model.UniqueParameters();
        var progress = new LanguageModelEpochProgress { LearningRate = Options.LearningRate };
        var trainTime = new Stopwatch();
        Tensor h = empty(0), c = empty(0);
        // SGD needs no state, so it stays the plain in-place update it always was (same arithmetic, same results).
        using var adam = Options.Optimizer == LanguageModelOptimizer.Adam
            ? optim.Adam(parameters, progress.LearningRate, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0)
            : null;
        string? checkpointPath = settings.EpochCheckpointPath;
        if (checkpointPath is not null && LanguageModelEpochCheckpoint.Load(checkpointPath, identity!, model, adam, dropoutGenerator) is { } saved)
        {
            progress = saved.Progress;
            h.Dispose();
            c.Dispose();
            (h, c) = (saved.H, saved.C);
            SetLearningRate(adam, progress.LearningRate);
        }
        TimeSpan Wall() => progress.WallTime + wall.Elapsed;

        TrialResult Result(bool failed = false, string? reason = null, double? test = null) => new()
        {
            MetricName = "perplexity",
            Reward = failed ? 0 : LanguageModelRewards.Compute(Options.Reward ?? DefaultRewards.SeparateTraining,
                progress.ValidationPerEpoch.Count == 0 ? double.NaN : progress.ValidationPerEpoch.Min()),
            ValidationMetricPerEpoch = progress.ValidationPerEpoch.ToArray(),
            TrainLossPerEpoch = progress.LossPerEpoch.ToArray(),
            TestMetric = test,
            Failed = failed,
            FailureReason = reason,
            EpochsCompleted = progress.ValidationPerEpoch.Count,
            WallTime = Wall(),
            ExamplesPerSecond = progress.TrainTime + trainTime.Elapsed is { TotalSeconds: > 0 } time ? progress.TrainedTokens / time.TotalSeconds : 0,
            ParameterCount = model.ParameterCount,
        };

        try
        {
            bool outOfTime = false;
            for (int epoch = progress.EpochsDone; epoch < settings.Epochs && !outOfTime; epoch++)
            {
                model.train();
                int steps = Options.MaxStepsPerEpoch ?? train.SegmentCount;
                double lossSum = 0;
                int lossCount = 0;
                for (int step = 0; step < steps; step++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (step > 0 && settings.TimeLimit is { } limit && Wall() >= limit)
                    {
                        outOfTime = true;
                        break;
                    }
                    trainTime.Start();
                    double loss;
                    long tokens;
                    using (var scope = NewDisposeScope())
                    {
                        // Segments continue where the previous epoch stopped (MaxStepsPerEpoch), wrapping around the text.
                        TextSegment piece = train.Segment(progress.Segment);
                        progress.Segment = (progress.Segment + 1) % train.SegmentCount;
                        if (piece.StartsFresh)
                            StartFresh(model, piece, ref h, ref c);
                        tokens = piece.TokenCount;
                        loss = TruncatedBpttStep.Run(model, parameters, piece.Input, piece.Target, ref h, ref c, adam, progress.LearningRate, Options.GradientClipNorm);
                        if (!double.IsFinite(loss))
                        {
                            trainTime.Stop();
                            return Result(true, $"Training loss became {loss} in epoch {epoch + 1}, step {step + 1} (learning rate {progress.LearningRate}).");
                        }
                    }
                    trainTime.Stop();
                    progress.TrainedTokens += tokens;
                    lossSum += loss;
                    lossCount++;
                }

                double validPerplexity = Evaluate(model, valid);
                if (!double.IsFinite(validPerplexity))
                    return Result(true, $"Validation perplexity became {validPerplexity} after epoch {epoch + 1}.");
                progress.ValidationPerEpoch.Add(validPerplexity);
                progress.LossPerEpoch.Add(lossSum / Math.Max(1, lossCount));
                if (validPerplexity < progress.Best)
                    progress.Best = validPerplexity;
                else
                {
                    progress.LearningRate /= Options.LearningRateDecay;
                    SetLearningRate(adam, progress.LearningRate);
                }
                progress.EpochsDone = epoch + 1;
                if (checkpointPath is not null)
                    SaveCheckpoint(checkpointPath, identity!, progress, trainTime, wall, model, adam, dropoutGenerator, h, c);
                if (settings.ContinueAfterEpoch is { } shouldContinue && !shouldContinue(epoch, validPerplexity))
                    break;
                if (settings.TimeLimit is { } timeLimit && Wall() >= timeLimit)
                    break;
            }

            double? test = null;
            if (settings.EvaluateTest && Corpus.Test is not null)
            {
                test = Evaluate(model, Corpus.Test, "test");
                if (!double.IsFinite(test.Value))
                    return Result(true, $"Test perplexity became {test.Value}.");
            }
            return Result(test: test);
        }
        finally
        {
            h.Dispose();
            c.Dispose();
        }
    }

    private static void SetLearningRate(OptimizerHelper? adam, double learningRate)
    {
        if (adam is not null)
            foreach (var group in adam.ParamGroups) group.LearningRate = learningRate;
    }

    /// <summary>Saves the epoch's end with the times so far folded in (the saved times are what a resumed run starts from).</summary>
    private static void SaveCheckpoint(string path, string identity, LanguageModelEpochProgress progress, Stopwatch trainTime, Stopwatch wall,
        WordLanguageModel model, OptimizerHelper? adam, Generator dropoutGenerator, Tensor h, Tensor c)
    {
        var saved = new LanguageModelEpochProgress
        {
            EpochsDone = progress.EpochsDone, Segment = progress.Segment, LearningRate = progress.LearningRate, Best = progress.Best,
            TrainedTokens = progress.TrainedTokens, TrainTime = progress.TrainTime + trainTime.Elapsed, WallTime = progress.WallTime + wall.Elapsed,
        };
        saved.ValidationPerEpoch.AddRange(progress.ValidationPerEpoch);
        saved.LossPerEpoch.AddRange(progress.LossPerEpoch);
        LanguageModelEpochCheckpoint.Save(path, identity, saved, model, adam, dropoutGenerator, h, c);
    }

    private double Evaluate(WordLanguageModel model, ITextSegments batches)
    {
        model.eval();
        using var _ = no_grad();
        Tensor h = empty(0), c = empty(0);
        double lossSum = 0;
        long tokenCount = 0;
        int steps = batches.SegmentCount;
        if (Options.MaxEvaluationSteps is { } max)
            steps = Math.Min(steps, max);
        try
        {
            for (int step = 0; step < steps; step++)
            {
                using var scope = NewDisposeScope();
                TextSegment piece = batches.Segment(step);
                if (piece.StartsFresh)
                    StartFresh(model, piece, ref h, ref c);
                Tensor logits = model.ForwardCarryingState(piece.Input, ref h, ref c);
                lossSum += nn.functional.cross_entropy(logits, piece.Target, reduction: nn.Reduction.Sum).item<float>();
                tokenCount += piece.TokenCount;
            }
        }
        finally
        {
            h.Dispose();
            c.Dispose();
        }
        return Math.Exp(lossSum / tokenCount);
    }

    /// <summary>Replaces the carried state by a zero state of the segment's batch size, outside the segment's dispose scope.</summary>
    private static void StartFresh(WordLanguageModel model, TextSegment piece, ref Tensor h, ref Tensor c)
    {
        h.Dispose();
        c.Dispose();
        (h, c) = model.InitialState(piece.Input.shape[1]);
        h = h.MoveToOuterDisposeScope();
        c = c.MoveToOuterDisposeScope();
    }
}
