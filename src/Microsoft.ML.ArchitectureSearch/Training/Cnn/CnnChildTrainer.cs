using System.Globalization;
using Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;
using Microsoft.ML.ArchitectureSearch.Networks.Cnn;
using Microsoft.ML.ArchitectureSearch.Objectives;
using Microsoft.ML.ArchitectureSearch.Randomness;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Training.Cnn;

/// <summary>
/// Trains <see cref="CnnArchitecture"/> children on image data held on the device as the store keeps it (bytes or
/// floats, one copy per store whatever the splits): SGD with (Nesterov) momentum and weight decay, cosine learning rate
/// per step, random-crop/flip augmentation, per-channel normalisation with the training split's statistics, applied
/// to each batch as it is cut. Reports validation accuracy per epoch and the <see cref="RewardKind"/> reward. With
/// <see cref="ChildTrainingSettings.EpochCheckpointPath"/> every epoch's end is saved (<see cref="CnnEpochCheckpoint"/>)
/// and a saved training continues from there.
/// On CPU a given <see cref="ChildTrainingSettings.Seed"/> and libtorch thread count (<see cref="IntraOpThreads"/>) give
/// the same result, whatever other threads do with torch's global generator (this trainer never uses it). <see cref="Train"/> may run on several threads at once (parallel
/// trials): each call keeps its state to itself, and what calls share (the images, the whitening filters) is read-only.
/// </summary>
internal sealed class CnnChildTrainer : IChildTrainer, IDisposable
{
    /// <summary>Steps between reads of the accumulated loss (a device sync) to catch NaN/inf early but cheaply.</summary>
    private const int LossCheckInterval = 10;

    private readonly CnnTrainingOptions options;
    private readonly Device device;
    private readonly ImageTensors train;
    private readonly ImageTensors validation;
    private readonly ImageTensors? test;
    private readonly DeviceImageStore[] stores;
    private readonly ImageBatchAugmenter augmenter;
    private readonly (int Channels, int Height, int Width) imageShape;
    private readonly Lazy<string> imageFingerprint;
    private readonly object whiteningGate = new();
    private Tensor? whiteningFilters;

    /// <param name="train">Training split; its per-channel mean/std normalise every split.</param>
    /// <param name="validation">Split the reward is measured on.</param>
    /// <param name="test">Optional split, scored after the last epoch when <see cref="ChildTrainingSettings.EvaluateTest"/> is set.</param>
    /// <param name="options">Optimiser and augmentation settings; defaults when null.</param>
    public CnnChildTrainer(ImageData train, ImageData validation, ImageData? test = null, CnnTrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        this.options = options ?? new CnnTrainingOptions();
        this.options.Validate();
        imageShape = (train.Channels, train.Height, train.Width);
        CheckSameShape(validation, "validation");
        if (test is not null)
            CheckSameShape(test, "test");
        if (train.Count < 2)
            throw new ArgumentException($"Training needs at least 2 images; got {train.Count}.", nameof(train));

        device = TorchDevices.Resolve(this.options.Device);
        (float[] mean, float[] std) = ChannelStatistics = train.ChannelStatistics();
        ImageTensors?[] splits;
        (stores, splits) = DeviceImageSplits.Create(mean, std, device, (train, "training"), (validation, "validation"), (test, "test"));
        (this.train, this.validation, this.test) = (splits[0]!, splits[1]!, splits[2]);
        augmenter = new ImageBatchAugmenter(this.options.AugmentationPadding);
        // Reads every pixel: only a training that checkpoints needs it (not every child of a search).
        imageFingerprint = new Lazy<string>(() => ImageFingerprint.Of(train, validation));
    }

    public CnnTrainingOptions Options => options;

    /// <summary>
    /// The patch-whitening stem's filters for this trainer's training images, computed on first use and shared by every
    /// child (they depend on the images alone).
    /// </summary>
    private Tensor WhiteningFilters
    {
        get
        {
            lock (whiteningGate) return whiteningFilters ??= PatchWhitening.Filters(train, imageShape.Channels).DetachFromDisposeScope();
        }
    }

    /// <summary>Per-channel mean and standard deviation of the training split, which normalise every split.</summary>
    public (float[] Mean, float[] Std) ChannelStatistics { get; }

    /// <summary>Validation accuracy: higher is better.</summary>
    public bool LowerMetricIsBetter => false;

    /// <summary>Trains <paramref name="architecture"/> (a <see cref="CnnArchitecture"/>). NaN/inf loss, or a time
    /// limit reached before the first epoch ends, gives a failed result (never an exception); cancellation throws
    /// <see cref="OperationCanceledException"/>. With <see cref="ChildTrainingSettings.EpochCheckpointPath"/> a saved
    /// training continues after its last saved epoch (the time limit counts the runs before), and a file of another
    /// training is refused with <see cref="InvalidDataException"/> before any epoch runs.</summary>
    public TrainedChild Train(IArchitecture architecture, ChildTrainingSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        CnnArchitecture cnn = architecture as CnnArchitecture
            ?? throw new ArgumentException($"{nameof(CnnChildTrainer)} trains CNN architectures; got {architecture?.GetType().Name ?? "null"}.", nameof(architecture));
        CheckFits(cnn);
        if (settings.Epochs < 1)
            throw new ArgumentException($"Epochs must be at least 1; got {settings.Epochs}.", nameof(settings));

        var run = new CnnTrainingProgress();
        // Each phase (this child, an epoch's training, an evaluation) starts from the memory that is live, not from
        // the freed maps of the last phase's shapes, which glibc would otherwise keep resident (NativeAllocator).
        NativeAllocator.ReturnFreedMemory();
        // Weights come from a private generator and shuffling/augmentation from a private Random, so concurrent work
        // on torch's global generator cannot change this child's result. The Random is one whose state can be saved (an
        // epoch checkpoint records it), for every child alike: a training gives the same network with or without
        // checkpoints.
        var random = new SavableRandom(settings.Seed);
        ChildCnn network;
        using (var generator = new Generator((ulong)(uint)settings.Seed))
            network = new ChildCnn(cnn, generator);
        try
        {
            network.to(device);
            if (network.HasWhiteningStem)
                network.SetWhiteningFilters(WhiteningFilters);
            network.UseComputeMode(new CnnComputeMode(options.ChannelsLast, options.BFloat16));
            using var optimizer = CnnOptimizer.Create(network, options, out Parameter[] trainable);
            using Lookahead? lookahead = options.LookaheadSteps is int k ? new Lookahead(trainable, k, options.LookaheadAlpha) : null;
            string? checkpointPath = settings.EpochCheckpointPath;
            string? identity = checkpointPath is null ? null : CheckpointIdentity(cnn, settings);
            if (checkpointPath is not null)
                CnnEpochCheckpoint.Load(checkpointPath, identity!, run, network, optimizer, lookahead, random);
            long stepsPerEpoch = BatchesPerEpoch();
            for (int epoch = run.EpochsDone; epoch < settings.Epochs; epoch++)
            {
                EpochOutcome outcome = TrainEpoch(network, optimizer, lookahead, random, epoch * stepsPerEpoch, settings.Epochs * stepsPerEpoch,
                    settings, run, cancellationToken);
                NativeAllocator.ReturnFreedMemory();
                if (outcome.FailureReason is not null)
                    return Finish(network, cnn, run, $"Epoch {epoch + 1}: {outcome.FailureReason}");
                if (outcome.TimedOut)
                    break;

                run.TrainLoss.Add(outcome.MeanLoss);
                double accuracy = Evaluate(network, validation);
                NativeAllocator.ReturnFreedMemory();
                run.ValidationAccuracy.Add(accuracy);
                if (checkpointPath is not null)
                    CnnEpochCheckpoint.Save(checkpointPath, identity!, run, network, optimizer, lookahead, random);
                if (settings.ContinueAfterEpoch is { } shouldContinue && !shouldContinue(epoch, accuracy))
                    break;
                if (settings.TimeLimit is { } limit && run.WallTime >= limit)
                    break;
            }

            if (run.ValidationAccuracy.Count == 0)
                return Finish(network, cnn, run,
                    $"Time limit of {settings.TimeLimit?.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s reached before the first epoch finished.");
            if (settings.EvaluateTest && test is not null)
                run.TestAccuracy = Evaluate(network, test);
            return Finish(network, cnn, run, failureReason: null);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        whiteningFilters?.Dispose();
        train.Dispose();
        validation.Dispose();
        test?.Dispose();
        foreach (DeviceImageStore store in stores)
            store.Dispose();
    }

    /// <summary>What an epoch checkpoint must match: the architecture, the images, the seed, the epochs (the learning-rate schedule spans them) and every option.</summary>
    private string CheckpointIdentity(CnnArchitecture architecture, ChildTrainingSettings settings) => InvariantText.Of(() =>
        $"architecture {architecture.ToJson()}; {train.Count} training and {validation.Count} validation images ({imageFingerprint.Value}); " +
        $"seed {settings.Seed}; {settings.Epochs} epochs; {options with { Device = device.type.ToString() }}");

    private EpochOutcome TrainEpoch(ChildCnn network, optim.Optimizer optimizer, Lookahead? lookahead, Random random, long firstStep, long totalSteps,
        ChildTrainingSettings settings, CnnTrainingProgress run, CancellationToken cancellationToken)
    {
        network.train();
        long[] order = DeviceImageSplits.Permutation(random, train.Count);
        long batches = BatchesPerEpoch();
        using var epochScope = NewDisposeScope();
        Tensor orderTensor = tensor(order, device: device);
        Tensor lossSum = zeros(1, ScalarType.Float64, device);
        long examples = 0;
        for (long b = 0; b < batches; b++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (settings.TimeLimit is { } limit && run.WallTime >= limit)
                return new EpochOutcome(double.NaN, TimedOut: true, FailureReason: null);

            long start = b * options.BatchSize;
            long size = Math.Min(options.BatchSize, train.Count - start);
            run.TrainingTime.Start();
            using (var stepScope = NewDisposeScope())
            {
                Tensor index = orderTensor.narrow(0, start, size);
                Tensor images = train.Gather(index);
                Tensor labels = train.Labels.index_select(0, index);
                if (options.Augment)
                    images = augmenter.Apply(images, random);
                CnnOptimizer.SetLearningRate(optimizer, options, firstStep + b, totalSteps);
                Tensor loss = nn.functional.cross_entropy(network.forward(images), labels, label_smoothing: options.LabelSmoothing);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                lookahead?.Step();
                lossSum.add_(loss.detach(), alpha: size);
            }

            examples += size;
            run.TrainingExamples += size;
            double sum = (b + 1) % LossCheckInterval == 0 || b == batches - 1 ? lossSum.item<double>() : 0;
            run.TrainingTime.Stop();
            if (!double.IsFinite(sum))
                return new EpochOutcome(double.NaN, TimedOut: false,
                    FailureReason: $"training loss became {(double.IsNaN(sum) ? "NaN" : "infinite")} by step {b + 1} (learning rate {options.LearningRate.ToString(CultureInfo.InvariantCulture)}).");
        }

        return new EpochOutcome(lossSum.item<double>() / examples, TimedOut: false, FailureReason: null);
    }

    /// <summary>
    /// One image through the child (eval mode, float32, no test-time flip), from a zero image of the space's input shape:
    /// the time does not depend on the pixel values. Reading the logits back waits for the device.
    /// </summary>
    public double MeasureLatencyMilliseconds(TrainedChild child, int runs, int? threads)
    {
        if (child.Network is not ChildCnn network)
            throw new ArgumentException("The child has no trained CNN to time (its training failed).", nameof(child));
        return MeasureLatencyMilliseconds(network, runs, threads);
    }

    /// <summary>
    /// The search's latency of <paramref name="network"/> (see the instance method), for programs that time networks
    /// outside a search the way the search timed its children.
    /// </summary>
    internal static double MeasureLatencyMilliseconds(ChildCnn network, int runs, int? threads)
    {
        CnnSearchSpaceOptions o = network.Architecture.Space.Options;
        network.eval();
        using var noGrad = no_grad();
        using Tensor image = zeros(new long[] { 1, o.InputChannels, o.InputHeight, o.InputWidth }, device: network.parameters().First().device);
        return InferenceLatency.MedianMilliseconds(() =>
        {
            using var scope = NewDisposeScope();
            network.forward(image).sum().item<float>();
        }, runs, threads);
    }

    /// <summary>Fraction of <paramref name="data"/> whose arg-max logit is the label, with the network in eval mode.</summary>
    private double Evaluate(ChildCnn network, ImageTensors data)
    {
        network.eval();
        using var noGrad = no_grad();
        long correct = 0;
        for (long start = 0; start < data.Count; start += options.EvaluationBatchSize)
        {
            using var scope = NewDisposeScope();
            long size = Math.Min(options.EvaluationBatchSize, data.Count - start);
            Tensor logits = TestTimeFlip.Logits(network, data.Slice(start, size), options.TestTimeFlip);
            correct += logits.argmax(1).eq(data.Labels.narrow(0, start, size)).sum().item<long>();
        }

        return (double)correct / data.Count;
    }

    private TrainedChild Finish(ChildCnn network, CnnArchitecture architecture, CnnTrainingProgress run, string? failureReason)
    {
        bool failed = failureReason is not null;
        var result = new TrialResult
        {
            MetricName = "accuracy",
            Reward = failed ? 0 : ImageRewards.Compute(options.Reward ?? DefaultRewards.SeparateTraining, run.ValidationAccuracy),
            ValidationMetricPerEpoch = run.ValidationAccuracy.ToArray(),
            TrainLossPerEpoch = run.TrainLoss.ToArray(),
            TestMetric = failed ? null : run.TestAccuracy,
            Failed = failed,
            FailureReason = failureReason,
            EpochsCompleted = run.ValidationAccuracy.Count,
            WallTime = run.WallTime,
            ExamplesPerSecond = run.TotalTrainingTime.TotalSeconds > 0 ? run.TrainingExamples / run.TotalTrainingTime.TotalSeconds : 0,
            ParameterCount = architecture.ParameterCount,
        };
        if (failed)
        {
            network.Dispose();
            return new TrainedChild(result, null);
        }

        network.eval();
        network.UseComputeMode(CnnComputeMode.Standard); // saved and scored as NCHW float32
        return new TrainedChild(result, network);
    }

    private long BatchesPerEpoch() => DeviceImageSplits.BatchesPerEpoch(train.Count, options.BatchSize);

    private void CheckSameShape(ImageData data, string split)
    {
        if ((data.Channels, data.Height, data.Width) != imageShape)
            throw new ArgumentException(
                $"The {split} images are {data.Channels}x{data.Height}x{data.Width}; the training images are {imageShape.Channels}x{imageShape.Height}x{imageShape.Width}.");
    }

    private void CheckFits(CnnArchitecture architecture)
    {
        CnnSearchSpaceOptions space = architecture.Space.Options;
        if ((space.InputChannels, space.InputHeight, space.InputWidth) != imageShape)
            throw new ArgumentException(
                $"The architecture expects {space.InputChannels}x{space.InputHeight}x{space.InputWidth} images; the trainer holds {imageShape.Channels}x{imageShape.Height}x{imageShape.Width}.");
        foreach (ImageTensors? split in new[] { train, validation, test })
        {
            if (split is not null && split.MaxLabel >= space.ClassCount)
                throw new ArgumentException(
                    $"The {split.Name} data has label {split.MaxLabel}, outside the architecture's {space.ClassCount} classes (0..{space.ClassCount - 1}).");
        }
    }

    private sealed record EpochOutcome(double MeanLoss, bool TimedOut, string? FailureReason);
}
