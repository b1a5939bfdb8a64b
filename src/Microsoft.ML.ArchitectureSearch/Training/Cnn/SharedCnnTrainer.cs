using System.Diagnostics;
using Microsoft.ML.ArchitectureSearch.Execution.WeightSharing;
using Microsoft.ML.ArchitectureSearch.Networks.Cnn;
using Microsoft.ML.ArchitectureSearch.Randomness;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Training.Cnn;

/// <summary>
/// Trains a <see cref="SharedCnn"/> as ENAS trains its shared weights, with the children's recipe
/// (<see cref="CnnTrainingOptions"/>: SGD with momentum and weight decay as <see cref="CnnOptimizer"/> sets it up, batch
/// norm's scale and shift rules included, the learning-rate schedule over every planned shared epoch, crop and flip augmentation, normalisation by the training split's channel statistics), and scores
/// children on it. The shared network computes in float32, channels-last when <see cref="CnnTrainingOptions.ChannelsLast"/>
/// says so (its weights stay NCHW); bfloat16 applies to the children and the final training only. Shuffling, augmentation and the choice of validation mini-batches come from one seeded generator
/// (a <see cref="SavableRandom"/>, so a checkpoint can record where it stands), the initial weights from another, so a
/// seed gives the same run on the CPU.
/// </summary>
internal sealed class SharedCnnTrainer : ISharedWeightTrainer
{
    private const string StateSignature = "NAS-SHARED-CNN-1";
    private readonly CnnTrainingOptions options;
    private readonly Device device;
    private readonly DeviceImageStore[] stores;
    private readonly ImageTensors train;
    private readonly ImageTensors validation;
    private readonly ImageBatchAugmenter augmenter;
    private readonly SharedCnn network;
    private readonly TorchSharp.Modules.SGD optimizer;
    private readonly SavableRandom random;
    private readonly long totalSteps;
    private long step;

    /// <param name="space">The space whose children share the network.</param>
    /// <param name="train">Rows the shared weights train on; their channel statistics normalise both splits.</param>
    /// <param name="validation">Rows children are scored on.</param>
    /// <param name="options">The training recipe.</param>
    /// <param name="seed">Seeds the weights, shuffling, augmentation and validation mini-batches.</param>
    /// <param name="plannedEpochs">Shared epochs the learning-rate schedule spans.</param>
    public SharedCnnTrainer(CnnSearchSpace space, ImageData train, ImageData validation, CnnTrainingOptions options, int seed, int plannedEpochs)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (plannedEpochs < 1)
            throw new ArgumentOutOfRangeException(nameof(plannedEpochs), plannedEpochs, "At least one shared epoch must be planned.");
        this.options = options;
        device = TorchDevices.Resolve(options.Device);
        (float[] mean, float[] std) = train.ChannelStatistics();
        ImageTensors?[] splits;
        (stores, splits) = DeviceImageSplits.Create(mean, std, device, (train, "training"), (validation, "validation"));
        (this.train, this.validation) = (splits[0]!, splits[1]!);
        augmenter = new ImageBatchAugmenter(options.AugmentationPadding);
        using (var generator = new Generator((ulong)(uint)seed))
            network = new SharedCnn(space, generator);
        network.to(device);
        optimizer = CnnOptimizer.Create(network, options, out _);
        random = new SavableRandom(seed);
        totalSteps = plannedEpochs * BatchesPerEpoch();
    }

    /// <summary>The shared network (for tests and inspection).</summary>
    public SharedCnn Network => network;

    /// <summary>Clips the shared weights' gradient norm per step to this (null: no clipping).</summary>
    public double? GradientClipNorm { get; init; }

    public double TrainEpoch(Func<IArchitecture> sampleChild, Func<bool> stop, CancellationToken cancellationToken)
    {
        network.train();
        long[] order = DeviceImageSplits.Permutation(random, train.Count);
        using var epochScope = NewDisposeScope();
        Tensor orderTensor = tensor(order, device: device);
        // Summed on the device and read once per epoch: reading it every step would wait for each step to finish.
        Tensor lossSum = zeros(1, ScalarType.Float64, device);
        long examples = 0;
        for (long b = 0, batches = BatchesPerEpoch(); b < batches && !stop(); b++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var child = (CnnArchitecture)sampleChild();
            using var stepScope = NewDisposeScope();
            long start = b * options.BatchSize, size = Math.Min(options.BatchSize, train.Count - start);
            Tensor index = orderTensor.narrow(0, start, size);
            Tensor images = train.Gather(index);
            if (options.Augment)
                images = augmenter.Apply(images, random);
            images = InComputeLayout(images);
            CnnOptimizer.SetLearningRate(optimizer, options, Math.Min(step++, totalSteps - 1), totalSteps);
            Tensor loss = nn.functional.cross_entropy(network.forward(images, child), train.Labels.index_select(0, index),
                label_smoothing: options.LabelSmoothing);
            // Gradients are freed, not zeroed (the optimizer's zero_grad zeroes them): a branch this child does not use
            // then has no gradient, so SGD leaves it alone instead of decaying it and running its momentum on, and
            // whether a branch has a gradient tensor is no hidden state that a checkpoint would have to carry.
            network.zero_grad(set_to_none: true);
            loss.backward();
            if (GradientClipNorm is double clip)
                nn.utils.clip_grad_norm_(network.parameters().Where(p => p.grad is not null), clip);
            optimizer.step();
            lossSum.add_(loss.detach(), alpha: size);
            examples += size;
        }

        return examples == 0 ? double.NaN : lossSum.item<double>() / examples;
    }

    public double MeasureLatencyMilliseconds(IArchitecture child, int runs, int? threads)
    {
        using var network = new ChildCnn((CnnArchitecture)child);
        network.to(device);
        return CnnChildTrainer.MeasureLatencyMilliseconds(network, runs, threads);
    }

    public TrialResult Score(IArchitecture child, bool allValidationRows)
    {
        var cnn = (CnnArchitecture)child;
        var wall = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long count = allValidationRows ? validation.Count : Math.Min(options.BatchSize, validation.Count);
        long correct = 0;
        if (allValidationRows)
        {
            // Consecutive chunks; a last chunk of one image joins the one before (batch statistics need two).
            for (long start = 0; start < count;)
            {
                long size = Math.Min(options.EvaluationBatchSize, count - start);
                if (count - start - size == 1)
                    size++;
                correct += Correct(cnn, tensor(LongRange(start, size), device: device));
                start += size;
            }
        }
        else
        {
            long[] positions = DeviceImageSplits.Permutation(random, validation.Count);
            correct = Correct(cnn, tensor(positions.Take((int)count).ToArray(), device: device));
        }

        double accuracy = (double)correct / count;
        return new TrialResult
        {
            MetricName = SharedWeightMetric.Name("accuracy", allValidationRows),
            Reward = ImageRewards.Compute(options.Reward ?? DefaultRewards.WeightSharing, new[] { accuracy }),
            ValidationMetricPerEpoch = new[] { accuracy },
            EpochsCompleted = 0,
            WallTime = wall.Elapsed,
            ExamplesPerSecond = count / Math.Max(wall.Elapsed.TotalSeconds, 1e-9),
            ParameterCount = cnn.ParameterCount,
        };
    }

    public void SaveState(Stream stream) => SharedTrainingStateFile.Save(stream, StateSignature, network.Space.Fingerprint, writer =>
    {
        writer.Write(step);
        random.Write(writer);
        NetworkOptimizerState.Write(writer, network, optimizer);
    });

    public void LoadState(Stream stream) => SharedTrainingStateFile.Load(stream, StateSignature, network.Space.Fingerprint, "shared-CNN", reader =>
    {
        long savedStep = reader.ReadInt64();
        if (savedStep < 0 || savedStep > totalSteps)
            throw new InvalidDataException($"The saved shared-CNN state is at step {savedStep}, outside this schedule's 0..{totalSteps}.");
        random.Read(reader);
        NetworkOptimizerState.Read(reader, network, optimizer, "shared network");
        step = savedStep;
    });

    public void Dispose()
    {
        optimizer.Dispose();
        network.Dispose();
        train.Dispose();
        validation.Dispose();
        foreach (DeviceImageStore store in stores)
            store.Dispose();
    }

    // Batch norm uses the batch's statistics (see SharedCnn), so a child is scored in training mode, without gradients.
    // A scope per chunk: in Score's scope every chunk's feature maps would live until the last chunk is done (scoring a
    // 12-layer final candidate on CIFAR-10's 5,000 validation images grew an ENAS search to 22.8 GB: OOM-killed).
    private long Correct(CnnArchitecture child, Tensor positions)
    {
        using var chunk = NewDisposeScope();
        Tensor logits = network.forward(InComputeLayout(validation.Gather(positions)), child);
        return logits.argmax(1).eq(validation.Labels.index_select(0, positions)).sum().item<long>();
    }

    /// <summary>
    /// The images in the layout the options ask for. With <see cref="CnnTrainingOptions.ChannelsLast"/> every feature map
    /// of the sub-graph follows the input's NHWC layout (oneDNN computes a convolution channels-last when its input is,
    /// whatever the sliced weights' layout), so the shared network computes as the children train.
    /// </summary>
    private Tensor InComputeLayout(Tensor images) => options.ChannelsLast ? ComputeOps.ToChannelsLast(images) : images;

    private static long[] LongRange(long start, long count)
    {
        var values = new long[count];
        for (long i = 0; i < count; i++)
            values[i] = start + i;
        return values;
    }

    private long BatchesPerEpoch() => DeviceImageSplits.BatchesPerEpoch(train.Count, options.BatchSize);
}
