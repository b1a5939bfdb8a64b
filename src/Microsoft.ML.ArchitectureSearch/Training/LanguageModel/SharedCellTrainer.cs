using System.Diagnostics;
using Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;
using Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;
using Microsoft.ML.ArchitectureSearch.Randomness;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.EnasCell;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Training.LanguageModel;

/// <summary>
/// Trains the shared network of <see cref="EnasCellSearchSpace"/> (a word language model whose layers hold every
/// child's weights) as ENAS trains its shared weights: truncated BPTT over the search's training stream with the
/// children's recipe (<see cref="LanguageModelTrainingOptions"/>: batch, BPTT length, gradient clipping, its optimizer),
/// a freshly sampled child per segment, the state carried across segments and children. The learning rate stays at
/// its initial value: the plateau decay of separate training needs a validation pass per epoch of one model, which a
/// shared network does not have. A shared epoch is a pass over the stream, or MaxStepsPerEpoch segments continuing
/// where the previous epoch stopped. A segment whose loss is not finite leaves the weights as they were.
/// <para>
/// A child is scored by its perplexity on shared weights, with dropout off and from a zero state: on one
/// EvaluationBatchSize x Bptt segment of the validation stream at a random position (ENAS's validation mini-batch), or
/// on the whole validation stream (up to MaxEvaluationSteps segments). Its reward is the options' <see cref="RewardKind"/>
/// of that perplexity (by default ENAS's <see cref="RewardKind.Plain"/>, 80/ppl). Initial weights, dropout masks and validation positions come from
/// the seed.
/// </para>
/// </summary>
internal sealed class SharedCellTrainer : ISharedWeightTrainer
{
    private readonly LanguageModelTrainer _evaluator;
    private readonly LanguageModelTrainingOptions _options;
    private readonly WordLanguageModel _network;
    private readonly IReadOnlyList<TorchSharp.Modules.Parameter> _parameters;
    private readonly TokenBatches _train;
    private readonly Generator _dropoutGenerator;
    private readonly SavableRandom _random;
    private readonly OptimizerHelper _optimizer;
    private readonly string _spaceFingerprint;
    private Tensor _h;
    private Tensor _c;
    private long _cursor;

    public SharedCellTrainer(EnasCellSearchSpace space, int[] train, int[] validation, int vocabularySize, int endOfSentenceId, LanguageModelTrainingOptions options, int seed)
    {
        ArgumentNullException.ThrowIfNull(space);
        if (space.Options.VocabularySize != vocabularySize)
            throw new ArgumentException($"The search space predicts {space.Options.VocabularySize} words but the corpus has {vocabularySize}.", nameof(space));
        // ENAS trains and scores its shared network on streams with the state carried; the winner's final training
        // follows the user's options.
        _evaluator = new LanguageModelTrainer(new LanguageModelCorpus(train, validation, null, vocabularySize, endOfSentenceId),
            options with { CarryStateAcrossSentences = true });
        _options = _evaluator.Options;
        Device device = _evaluator.Device;
        _network = LanguageModelNetworks.CreateShared(space);
        using (var initGenerator = new Generator((ulong)(uint)seed))
            _network.ResetParameters(initGenerator);
        _network.MoveTo(device);
        _parameters = _network.UniqueParameters();
        // An optimizer object even for SGD (no momentum: the same update as the child trainer's in-place one), so that
        // its state and the weights are saved together at a checkpoint.
        _optimizer = _options.Optimizer == LanguageModelOptimizer.Adam
            ? optim.Adam(_parameters, _options.LearningRate, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0)
            : optim.SGD(_parameters, _options.LearningRate);
        _spaceFingerprint = space.Fingerprint;
        _dropoutGenerator = new Generator((ulong)(uint)seed + 1, device);
        _network.DropoutGenerator = _dropoutGenerator;
        _train = new TokenBatches(train, _options.BatchSize, device, "training", LanguageModelTrainingOptions.BatchSizeOption);
        (_h, _c) = _network.InitialState(_train.BatchSize);
        _random = new SavableRandom(seed);
    }

    /// <summary>The shared network (for tests and inspection).</summary>
    public WordLanguageModel Network => _network;

    public double TrainEpoch(Func<IArchitecture> sampleChild, Func<bool> stop, CancellationToken cancellationToken)
    {
        _network.train();
        int steps = _options.MaxStepsPerEpoch ?? _train.SegmentCount(_options.Bptt);
        double lossSum = 0;
        int lossCount = 0;
        for (int step = 0; step < steps && !stop(); step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_cursor >= _train.Length - 1)
            {
                // Wrapped around the training stream: the carried state belongs to its end, start afresh.
                _cursor = 0;
                ResetState();
            }
            LanguageModelNetworks.SelectChild(_network, (EnasCellArchitecture)sampleChild());
            double loss;
            using (NewDisposeScope())
            {
                var (input, target) = _train.Segment(_cursor, _options.Bptt);
                loss = TruncatedBpttStep.Run(_network, _parameters, input, target, ref _h, ref _c, _optimizer, _options.LearningRate, _options.GradientClipNorm);
                _cursor += input.shape[0];
            }
            // After the segment's scope: a fresh state made inside it would be disposed with the segment's tensors.
            if (!double.IsFinite(loss))
            {
                ResetState();
                continue;
            }
            lossSum += loss;
            lossCount++;
        }
        return lossCount == 0 ? double.NaN : lossSum / lossCount;
    }

    public TrialResult Score(IArchitecture child, bool allValidationRows)
    {
        var cell = (EnasCellArchitecture)child;
        var wall = Stopwatch.StartNew();
        LanguageModelNetworks.SelectChild(_network, cell);
        int[] tokens = allValidationRows ? _evaluator.Corpus.Valid : ValidationMiniBatch();
        double perplexity = _evaluator.Evaluate(_network, tokens, "validation");
        bool failed = !double.IsFinite(perplexity);
        return new TrialResult
        {
            MetricName = allValidationRows ? "shared-weight perplexity (all validation rows)" : "shared-weight perplexity (validation mini-batch)",
            Reward = LanguageModelRewards.Compute(_options.Reward ?? DefaultRewards.WeightSharing, perplexity),
            ValidationMetricPerEpoch = new[] { perplexity },
            Failed = failed,
            FailureReason = failed ? $"Shared-weight validation perplexity is {perplexity}." : null,
            EpochsCompleted = 0,
            WallTime = wall.Elapsed,
            ExamplesPerSecond = tokens.Length / Math.Max(wall.Elapsed.TotalSeconds, 1e-9),
            ParameterCount = cell.ParameterCount,
        };
    }

    public double MeasureLatencyMilliseconds(IArchitecture child, int runs, int? threads)
    {
        using WordLanguageModel model = LanguageModelNetworks.Create((EnasCellArchitecture)child);
        model.MoveTo(_evaluator.Device);
        return LanguageModelChildTrainer.MeasureLatencyMilliseconds(model, runs, threads);
    }

    private const string StateSignature = "shared ENAS cell training state 1";

    public void SaveState(Stream stream) => SharedTrainingStateFile.Save(stream, StateSignature, _spaceFingerprint, writer =>
    {
        writer.Write(_cursor);
        _random.Write(writer);
        GeneratorState.Write(writer, _dropoutGenerator);
        NetworkOptimizerState.Write(writer, _network, _optimizer);
        // The carried recurrent state: training continues from it, as an uninterrupted run would.
        StateBlock.Write(writer, block =>
        {
            using var blockWriter = new BinaryWriter(block, System.Text.Encoding.UTF8, leaveOpen: true);
            _h.Save(blockWriter);
            _c.Save(blockWriter);
        });
    });

    public void LoadState(Stream stream) => SharedTrainingStateFile.Load(stream, StateSignature, _spaceFingerprint, "shared ENAS cell", reader =>
    {
        long cursor = reader.ReadInt64();
        if (cursor < 0 || cursor >= _train.Length)
            throw new InvalidDataException($"The saved shared ENAS cell state is at token {cursor}, outside this training stream's 0..{_train.Length - 1}.");
        _random.Read(reader);
        byte[] generatorState = GeneratorState.Read(reader, "dropout");
        NetworkOptimizerState.Read(reader, _network, _optimizer, "shared network");
        using var block = new MemoryStream(StateBlock.Read(reader, "recurrent state"), writable: false);
        using var blockReader = new BinaryReader(block);
        _h.Load(blockReader);
        _c.Load(blockReader);
        GeneratorState.Apply(_dropoutGenerator, generatorState);
        _cursor = cursor;
    });

    public void Dispose()
    {
        _optimizer.Dispose();
        _network.DropoutGenerator = null;
        _h.Dispose();
        _c.Dispose();
        _train.Dispose();
        _dropoutGenerator.Dispose();
        _network.Dispose();
    }

    /// <summary>EvaluationBatchSize streams of Bptt + 1 tokens (one segment) from a random position of the validation stream.</summary>
    private int[] ValidationMiniBatch()
    {
        int[] valid = _evaluator.Corpus.Valid;
        int length = _options.EvaluationBatchSize * (_options.Bptt + 1);
        if (valid.Length <= length)
            return valid;
        return valid.AsSpan(_random.Next(valid.Length - length + 1), length).ToArray();
    }

    private void ResetState()
    {
        _h.Dispose();
        _c.Dispose();
        (_h, _c) = _network.InitialState(_train.BatchSize);
    }
}
