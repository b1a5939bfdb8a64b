using Microsoft.ML.ArchitectureSearch.Randomness;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Strategies.Reinforce;

/// <summary>
/// Zoph &amp; Le (2017): the controller RNN samples architectures; every <see cref="ReinforceOptions.ChildrenPerUpdate"/>
/// results, one Adam step follows the REINFORCE gradient of mean((R - b) · log p(architecture)) (plus an optional entropy
/// bonus, minus ENAS's optional skip penalty, <see cref="SkipPenalty"/>), where b is an exponential moving average of
/// past rewards. Log-probabilities are recomputed from the tokens at
/// learning time (teacher forcing), so learning does not depend on state kept from sampling and survives a resume.
/// </summary>
internal sealed class ReinforceStrategy : ISearchStrategy, IChildSampler
{
    private readonly ReinforceOptions _options;
    private readonly Xoshiro256 _random;
    private readonly ControllerNetwork _controller;
    private readonly Adam _adam;
    private readonly Queue<int> _outstandingDepths = new();
    private readonly List<(int[] Tokens, double Reward, int Depth)> _pending = new();
    private double? _baseline;
    private double _entropySum;
    private int _entropyCount;
    private long _proposed;
    private readonly int _layerCount;
    private readonly SkipPenalty? _skipPenalty;

    public ReinforceStrategy(ISearchSpace space, int seed, ReinforceOptions? options = null)
    {
        Space = space ?? throw new ArgumentNullException(nameof(space));
        _options = options ?? new ReinforceOptions();
        _options.Validate();
        _random = new Xoshiro256(seed);
        _controller = new ControllerNetwork(space, _options.Controller, new Xoshiro256(unchecked(seed * 31 + 7)));
        // Betas, epsilon and weight decay spelled out (those of Kingma & Ba): the factory's defaults have differed
        // between TorchSharp versions.
        _adam = optim.Adam(_controller.parameters(), _options.LearningRate, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0);
        _layerCount = space.Steps.Count == 0 ? 0 : space.Steps.Max(s => s.Layer) + 1;
        // Off (weight 0) unless asked for, so that separately trained searches learn exactly as before.
        _skipPenalty = _options.SkipPenaltyWeight > 0 ? new SkipPenalty(space.Steps, _options.SkipTarget) : null;
    }

    public string Name => "reinforce";

    public ISearchSpace Space { get; }

    /// <summary>
    /// True: proposals are sampled from the controller, which an update every ChildrenPerUpdate results changes; proposing
    /// past the pending update would sample from an older policy and change the search.
    /// </summary>
    public bool ProposalsDependOnResults => true;

    /// <summary>The moving-average baseline (null before the first update).</summary>
    public double? Baseline => _baseline;

    /// <summary>Controller updates made so far.</summary>
    public int Updates { get; private set; }

    public IReadOnlyList<IReadOnlyList<int>> Propose(int count)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int depth = CurrentDepth();
        ControllerPass pass = _controller.Run(count, null, _random, ActiveSteps(depth));
        for (int i = 0; i < count; i++) _outstandingDepths.Enqueue(depth);
        _proposed += count;
        _entropySum += pass.Entropy.sum().item<float>();
        _entropyCount += count;
        return pass.Tokens;
    }

    /// <summary>
    /// Mean entropy (nats, summed over the decisions) of the controller's distribution at the proposals made since the
    /// last call, NaN when none: how undecided it still is, for logs and reports (not part of the saved state).
    /// </summary>
    public double TakeMeanProposalEntropy()
    {
        double mean = _entropyCount == 0 ? double.NaN : _entropySum / _entropyCount;
        (_entropySum, _entropyCount) = (0, 0);
        return mean;
    }

    /// <summary>ENAS: the shared weights train on the controller's samples, drawn as proposals are but not counted as ones.</summary>
    public IReadOnlyList<int> SampleChild()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return _controller.Run(1, null, _random, ActiveSteps(CurrentDepth())).Tokens[0];
    }

    public void Learn(IReadOnlyList<TrialFeedback> feedback)
    {
        foreach (TrialFeedback f in feedback)
        {
            int depth = _outstandingDepths.Count > 0 ? _outstandingDepths.Dequeue() : _layerCount;
            _pending.Add((f.Tokens.ToArray(), f.Failed ? 0 : f.Reward, depth));
            if (_pending.Count >= _options.ChildrenPerUpdate) Update();
        }
    }

    /// <summary>
    /// Ignored, to keep the policy gradient unbiased. REINFORCE estimates the gradient of the expected reward as the mean
    /// of (R - b) · ∇ log p(a) over architectures a sampled from the controller itself; an architecture that was not
    /// drawn from p (a hand-designed reference) would weight its term by the wrong probability and bias the estimate
    /// toward whatever the references happen to be. They are not used for the baseline b either, which stays the moving
    /// average of the controller's own children. The references still compete for the best architecture of the search.
    /// </summary>
    public void LearnFromReferences(IReadOnlyList<TrialFeedback> references) { }

    /// <summary>log p(tokens) under the current controller, all steps active.</summary>
    public double LogProbability(IReadOnlyList<int> tokens)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return _controller.Run(1, new[] { tokens.ToArray() }, null).LogProbability.item<float>();
    }

    /// <summary>
    /// The controller's probabilities of the choices of step <c>prefix.Count</c> after <paramref name="prefix"/> (for
    /// logs and tests: a refused choice's is exactly 0).
    /// </summary>
    public float[] NextChoiceProbabilities(IReadOnlyList<int> prefix)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int step = prefix.Count;
        int[] tokens = AllowedTokens.CompleteWithFirstAllowed(Space, prefix);
        bool[] active = Enumerable.Range(0, tokens.Length).Select(i => i <= step).ToArray();
        return _controller.Run(1, new[] { tokens }, null, active, probabilitiesOfStep: step).StepProbabilities![0];
    }

    public void SaveState(Stream stream)
    {
        using BinaryWriter writer = StrategyStateFormat.BeginWrite(stream, this);
        _random.Write(writer);
        writer.Write(_proposed);
        writer.Write(Updates);
        writer.Write(_baseline.HasValue);
        writer.Write(_baseline ?? 0);
        writer.Write(_outstandingDepths.Count);
        foreach (int d in _outstandingDepths) writer.Write(d);
        writer.Write(_pending.Count);
        foreach ((int[] tokens, double reward, int depth) in _pending)
        {
            StrategyStateFormat.WriteTokens(writer, tokens);
            writer.Write(reward);
            writer.Write(depth);
        }
        ControllerState.Write(writer, _controller, _adam);
    }

    public void LoadState(Stream stream)
    {
        using BinaryReader reader = StrategyStateFormat.BeginRead(stream, this);
        StrategyStateFormat.ReadBody(() =>
        {
            _random.Read(reader);
            long proposed = reader.ReadInt64();
            int updates = reader.ReadInt32();
            bool hasBaseline = reader.ReadBoolean();
            double baseline = reader.ReadDouble();
            int outstanding = reader.ReadInt32();
            if (proposed < 0 || updates < 0 || outstanding < 0 || outstanding > proposed)
                throw new InvalidDataException("The saved controller state is corrupt (impossible counters).");
            var depths = new int[outstanding];
            for (int i = 0; i < outstanding; i++) depths[i] = reader.ReadInt32();
            int pendingCount = reader.ReadInt32();
            if (pendingCount < 0 || pendingCount >= _options.ChildrenPerUpdate)
                throw new InvalidDataException($"The saved controller state holds {pendingCount} unlearned results; at most {_options.ChildrenPerUpdate - 1} are possible.");
            var pending = new List<(int[], double, int)>();
            for (int i = 0; i < pendingCount; i++)
                pending.Add((StrategyStateFormat.ReadTokens(reader, this), reader.ReadDouble(), reader.ReadInt32()));
            ControllerState.Read(reader, _controller, _adam, _options.LearningRate);
            _proposed = proposed;
            Updates = updates;
            _baseline = hasBaseline ? baseline : null;
            _outstandingDepths.Clear();
            foreach (int d in depths) _outstandingDepths.Enqueue(d);
            _pending.Clear();
            _pending.AddRange(pending);
        });
    }

    public void Dispose()
    {
        _adam.Dispose();
        _controller.Dispose();
    }

    private void Update()
    {
        double[] rewards = _pending.Select(p => p.Reward).ToArray();
        double baseline = _baseline ?? rewards.Average();
        double[] advantages = rewards.Select(r => r - baseline).ToArray();
        using (var scope = NewDisposeScope())
        {
            _adam.zero_grad();
            Tensor objective = zeros(1);
            // One teacher-forced pass per progressive depth present in the batch (usually just one).
            foreach (var group in _pending.Select((p, i) => (p, i)).GroupBy(x => x.p.Depth))
            {
                int[][] tokens = group.Select(x => x.p.Tokens).ToArray();
                bool[]? active = ActiveSteps(group.Key);
                ControllerPass pass = _controller.Run(tokens.Length, tokens, null, active);
                Tensor advantage = tensor(group.Select(x => (float)advantages[x.i]).ToArray());
                objective = objective + (advantage * pass.LogProbability).sum() + _options.EntropyWeight * pass.Entropy.sum();
                if (_skipPenalty != null)
                    objective = objective - _options.SkipPenaltyWeight * _skipPenalty.Compute(pass.SkipLogits, ActiveSkips(active)).sum();
            }
            Tensor loss = -objective / _pending.Count;
            loss.backward();
            nn.utils.clip_grad_norm_(_controller.parameters(), _options.GradientClipNorm);
            _adam.step();
        }
        foreach (double r in rewards)
            baseline = _options.BaselineDecay * baseline + (1 - _options.BaselineDecay) * r;
        _baseline = baseline;
        _pending.Clear();
        Updates++;
    }

    private int CurrentDepth() => _options.ProgressiveDepth is { } p ? Math.Min(_layerCount, p.ActiveLayers(_proposed)) : _layerCount;

    private bool[]? ActiveSkips(bool[]? activeSteps) =>
        activeSteps?.Where((_, i) => Space.Steps[i].Kind == DecisionKind.Skip).ToArray();

    private bool[]? ActiveSteps(int depth) =>
        depth >= _layerCount ? null : Space.Steps.Select(s => s.Layer < depth).ToArray();
}
