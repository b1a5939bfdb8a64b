using System.Diagnostics;
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
    /// and training stops. Cancellation throws <see cref="OperationCanceledException"/>. The model ends in eval mode.
    /// </summary>
    public TrialResult Train(WordLanguageModel model, ChildTrainingSettings settings, CancellationToken cancellationToken = default)
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
            return TrainEpochs(model, settings, wall, cancellationToken);
        }
        finally
        {
            model.DropoutGenerator = null;
            model.eval();
        }
    }

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

    private TrialResult TrainEpochs(WordLanguageModel model, ChildTrainingSettings settings, Stopwatch wall, CancellationToken cancellationToken)
    {
        using var train = Segments(Corpus.Train, Options, Options.BatchSize, "training", LanguageModelTrainingOptions.BatchSizeOption);
        using var valid = Segments(Corpus.Valid, Options, Options.EvaluationBatchSize, "validation", LanguageModelTrainingOptions.EvaluationBatchSizeOption);
        var parameters = model.UniqueParameters();
        var validPerEpoch = new List<double>();
        var lossPerEpoch = new List<double>();
        double learningRate = Options.LearningRate;
        double best = double.PositiveInfinity;
        int segment = 0;
        long trainedTokens = 0;
        var trainTime = new Stopwatch();
        Tensor h = empty(0), c = empty(0);
        // SGD needs no state, so it stays the plain in-place update it always was (same arithmetic, same results).
        using var adam = Options.Optimizer == LanguageModelOptimizer.Adam
            ? optim.Adam(parameters, learningRate, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0)
            : null;

        TrialResult Result(bool failed = false, string? reason = null, double? test = null) => new()
        {
            MetricName = "perplexity",
            Reward = failed ? 0 : LanguageModelRewards.Compute(Options.Reward ?? DefaultRewards.SeparateTraining, validPerEpoch.Count == 0 ? double.NaN : validPerEpoch.Min()),
            ValidationMetricPerEpoch = validPerEpoch.ToArray(),
            TrainLossPerEpoch = lossPerEpoch.ToArray(),
            TestMetric = test,
            Failed = failed,
            FailureReason = reason,
            EpochsCompleted = validPerEpoch.Count,
            WallTime = wall.Elapsed,
            ExamplesPerSecond = trainTime.Elapsed.TotalSeconds > 0 ? trainedTokens / trainTime.Elapsed.TotalSeconds : 0,
            ParameterCount = model.ParameterCount,
        };

        try
        {
            bool outOfTime = false;
            for (int epoch = 0; epoch < settings.Epochs && !outOfTime; epoch++)
            {
                model.train();
                int steps = Options.MaxStepsPerEpoch ?? train.SegmentCount;
                double lossSum = 0;
                int lossCount = 0;
                for (int step = 0; step < steps; step++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (step > 0 && settings.TimeLimit is { } limit && wall.Elapsed >= limit)
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
                        TextSegment piece = train.Segment(segment);
                        segment = (segment + 1) % train.SegmentCount;
                        if (piece.StartsFresh)
                            StartFresh(model, piece, ref h, ref c);
                        tokens = piece.TokenCount;
                        loss = TruncatedBpttStep.Run(model, parameters, piece.Input, piece.Target, ref h, ref c, adam, learningRate, Options.GradientClipNorm);
                        if (!double.IsFinite(loss))
                        {
                            trainTime.Stop();
                            return Result(true, $"Training loss became {loss} in epoch {epoch + 1}, step {step + 1} (learning rate {learningRate}).");
                        }
                    }
                    trainTime.Stop();
                    trainedTokens += tokens;
                    lossSum += loss;
                    lossCount++;
                }

                double validPerplexity = Evaluate(model, valid);
                if (!double.IsFinite(validPerplexity))
                    return Result(true, $"Validation perplexity became {validPerplexity} after epoch {epoch + 1}.");
                validPerEpoch.Add(validPerplexity);
                lossPerEpoch.Add(lossSum / Math.Max(1, lossCount));
                if (validPerplexity < best)
                    best = validPerplexity;
                else
                {
                    learningRate /= Options.LearningRateDecay;
                    if (adam is not null)
                        foreach (var group in adam.ParamGroups) group.LearningRate = learningRate;
                }
                if (settings.ContinueAfterEpoch is { } shouldContinue && !shouldContinue(epoch, validPerplexity))
                    break;
                if (settings.TimeLimit is { } timeLimit && wall.Elapsed >= timeLimit)
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
