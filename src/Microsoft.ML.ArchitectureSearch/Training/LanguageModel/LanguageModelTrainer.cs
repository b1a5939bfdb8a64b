using System.Diagnostics;
using Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Training.LanguageModel;

/// <summary>
/// Trains any <see cref="WordLanguageModel"/> (a searched cell or the LSTM baseline) on a <see cref="LanguageModelCorpus"/>
/// the way PyTorch's word_language_model recipe does: truncated BPTT with the hidden state carried (detached) across
/// segments, plain SGD with gradient-norm clipping, learning rate divided on a validation plateau. The metric is
/// perplexity. Bad children (NaN or infinite loss) come back as a failed <see cref="TrialResult"/>, never an exception.
/// </summary>
internal sealed class LanguageModelTrainer
{
    /// <summary>Where a user sets <see cref="LanguageModelTrainingOptions.EvaluationBatchSize"/>, for errors.</summary>
    private const string EvaluationBatchSizeOption = nameof(ArchitectureSearchOptions.LanguageModelTraining) + "." + nameof(LanguageModelTrainingOptions.EvaluationBatchSize);

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

    /// <summary>Perplexity of <paramref name="model"/> on a token stream (as validation is measured: evaluation batch, carried state).</summary>
    public double Evaluate(WordLanguageModel model, int[] tokens, string streamName = "evaluation")
    {
        using var batches = new TokenBatches(tokens, Options.EvaluationBatchSize, Device, streamName, EvaluationBatchSizeOption);
        return Evaluate(model, batches);
    }

    private TrialResult TrainEpochs(WordLanguageModel model, ChildTrainingSettings settings, Stopwatch wall, CancellationToken cancellationToken)
    {
        using var train = new TokenBatches(Corpus.Train, Options.BatchSize, Device, "training", "BatchSize");
        using var valid = new TokenBatches(Corpus.Valid, Options.EvaluationBatchSize, Device, "validation", EvaluationBatchSizeOption);
        var parameters = model.UniqueParameters();
        var validPerEpoch = new List<double>();
        var lossPerEpoch = new List<double>();
        double learningRate = Options.LearningRate;
        double best = double.PositiveInfinity;
        long cursor = 0;
        long trainedTokens = 0;
        var trainTime = new Stopwatch();
        var (h, c) = model.InitialState(train.BatchSize);
        // SGD needs no state, so it stays the plain in-place update it always was (same arithmetic, same results).
        using var adam = Options.Optimizer == LanguageModelOptimizer.Adam
            ? optim.Adam(parameters, learningRate, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0)
            : null;

        TrialResult Result(bool failed = false, string? reason = null, double? test = null) => new()
        {
            MetricName = "perplexity",
            Reward = failed ? 0 : LanguageModelRewards.Compute(Options.Reward, validPerEpoch.Count == 0 ? double.NaN : validPerEpoch.Min()),
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
                int steps = Options.MaxStepsPerEpoch ?? train.SegmentCount(Options.Bptt);
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
                    if (cursor >= train.Length - 1)
                    {
                        // Wrapped around the training stream: the carried state belongs to its end, start afresh.
                        cursor = 0;
                        h.Dispose();
                        c.Dispose();
                        (h, c) = model.InitialState(train.BatchSize);
                    }
                    trainTime.Start();
                    double loss;
                    long tokens;
                    using (var scope = NewDisposeScope())
                    {
                        var (input, target) = train.Segment(cursor, Options.Bptt);
                        tokens = target.numel();
                        loss = TruncatedBpttStep.Run(model, parameters, input, target, ref h, ref c, adam, learningRate, Options.GradientClipNorm);
                        if (!double.IsFinite(loss))
                        {
                            trainTime.Stop();
                            return Result(true, $"Training loss became {loss} in epoch {epoch + 1}, step {step + 1} (learning rate {learningRate}).");
                        }
                        cursor += input.shape[0];
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

    private double Evaluate(WordLanguageModel model, TokenBatches batches)
    {
        model.eval();
        using var _ = no_grad();
        var (h, c) = model.InitialState(batches.BatchSize);
        double lossSum = 0;
        long tokenCount = 0;
        int steps = batches.SegmentCount(Options.Bptt);
        if (Options.MaxEvaluationSteps is { } max)
            steps = Math.Min(steps, max);
        try
        {
            for (int step = 0; step < steps; step++)
            {
                using var scope = NewDisposeScope();
                var (input, target) = batches.Segment((long)step * Options.Bptt, Options.Bptt);
                Tensor logits = model.ForwardCarryingState(input, ref h, ref c);
                lossSum += nn.functional.cross_entropy(logits, target, reduction: nn.Reduction.Sum).item<float>();
                tokenCount += target.numel();
            }
        }
        finally
        {
            h.Dispose();
            c.Dispose();
        }
        return Math.Exp(lossSum / tokenCount);
    }
}
