using Microsoft.ML.ArchitectureSearch.Randomness;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Strategies.Reinforce;

/// <summary>The outcome of one controller pass over a batch of token sequences.</summary>
/// <param name="Tokens">One sequence per row (sampled, or the given ones when teacher-forced).</param>
/// <param name="LogProbability">[batch] sum over active steps of log p(token); carries gradients when teacher-forced.</param>
/// <param name="Entropy">[batch] sum over active steps of the decision's entropy.</param>
/// <param name="SkipLogits">[batch, skip steps] the logit of "connect" at every skip step, in step order (for <see cref="SkipPenalty"/>).</param>
/// <param name="StepProbabilities">When asked for one step: each row's probabilities of that step's choices (for a
/// skip: no, yes), as the policy gives them after the row's earlier tokens; null otherwise.</param>
internal sealed record ControllerPass(int[][] Tokens, Tensor LogProbability, Tensor Entropy, Tensor SkipLogits, float[][]? StepProbabilities = null);

/// <summary>
/// The controller of Zoph &amp; Le (2017): a stacked LSTM that emits an architecture one decision at a time. Each choice
/// step has its own softmax head and its own embedding of the chosen token, which is the next step's input. Skip
/// connections use anchor points: after a layer's last choice the LSTM takes one more step whose top state is that
/// layer's anchor h_L, and the probability that layer j feeds layer L is sigmoid(v^T tanh(W_prev h_j + W_curr h_L)).
/// After a layer's skip decisions, the next input is the mean of the chosen anchors (a learned start vector when none
/// was chosen), so later decisions know what was connected. Works from <see cref="ISearchSpace.Steps"/> and
/// <see cref="ISearchSpace.AllowedChoices"/> alone: the policy is restricted to the tokens the space allows after each
/// sequence's earlier tokens, so it never proposes a sequence the space refuses for its tokens.
/// </summary>
internal sealed class ControllerNetwork : nn.Module
{
    private readonly ModuleList<LSTMCell> lstm = new();
    private readonly ModuleList<nn.Module<Tensor, Tensor>> embeddings = new();
    private readonly ModuleList<nn.Module<Tensor, Tensor>> heads = new();
    private readonly Linear anchorPrevious;
    private readonly Linear anchorCurrent;
    private readonly Linear anchorScore;
    private readonly Parameter start;

    private readonly StepPlan _plan;
    private readonly ISearchSpace _space;
    private readonly ControllerOptions _options;
    private readonly int[] _headOfStep;

    public ControllerNetwork(ISearchSpace space, ControllerOptions options, Xoshiro256 initRandom) : base(nameof(ControllerNetwork))
    {
        options.Validate();
        _options = options;
        _space = space;
        _plan = new StepPlan(space.Steps);
        int h = options.HiddenSize;
        for (int l = 0; l < options.Layers; l++) lstm.Add(nn.LSTMCell(h, h));
        _headOfStep = new int[space.Steps.Count];
        for (int i = 0; i < space.Steps.Count; i++)
        {
            DecisionStep s = space.Steps[i];
            if (s.Kind != DecisionKind.Choice) { _headOfStep[i] = -1; continue; }
            if (s.ChoiceCount < 1) throw new ArgumentException($"Step {i} ({s.Name}) has no choices.");
            _headOfStep[i] = heads.Count;
            heads.Add(nn.Linear(h, s.ChoiceCount));
            embeddings.Add(nn.Embedding(s.ChoiceCount, h));
        }
        anchorPrevious = nn.Linear(h, h, hasBias: false);
        anchorCurrent = nn.Linear(h, h, hasBias: false);
        anchorScore = nn.Linear(h, 1, hasBias: false);
        start = new Parameter(zeros(1, h));
        RegisterComponents();
        InitialiseUniform(initRandom);
    }

    /// <summary>
    /// Runs the controller over <paramref name="batch"/> sequences. With <paramref name="given"/> the tokens are teacher-forced
    /// (for learning); otherwise they are drawn with <paramref name="random"/>. Steps where <paramref name="active"/> is false
    /// take their first allowed token and add nothing to the log-probability or entropy (progressive depth).
    /// <para>
    /// The policy is the masked one: at a choice step the logits of the tokens the space refuses after the row's earlier
    /// tokens are set to -inf before the softmax, so those tokens have probability exactly 0, are never sampled, and the
    /// log-probability and entropy REINFORCE differentiates are those of the softmax over the allowed tokens alone (the
    /// gradient is that of the masked policy, and no refused token receives any). A skip decision the space narrows to
    /// one answer is taken with probability 1 (log-probability and entropy 0). Teacher-forced tokens must be allowed.
    /// </para>
    /// </summary>
    public ControllerPass Run(int batch, int[][]? given, Xoshiro256? random, bool[]? active = null, int probabilitiesOfStep = -1)
    {
        IReadOnlyList<DecisionStep> steps = _plan.Steps;
        if (given == null && random == null) throw new ArgumentException("Sampling needs a random generator.");
        if (given != null && (given.Length != batch || given.Any(t => t.Length != steps.Count)))
            throw new ArgumentException($"Teacher forcing needs {batch} sequences of {steps.Count} tokens.");

        var tokens = given ?? Enumerable.Range(0, batch).Select(_ => new int[steps.Count]).ToArray();
        int layers = lstm.Count;
        var h = new Tensor[layers];
        var c = new Tensor[layers];
        for (int l = 0; l < layers; l++) { h[l] = zeros(batch, _options.HiddenSize); c[l] = zeros(batch, _options.HiddenSize); }
        Tensor x = start.expand(batch, -1);
        Tensor logProbability = zeros(batch);
        Tensor entropy = zeros(batch);
        var anchors = new Dictionary<int, Tensor>();
        var anchorProjections = new Dictionary<int, Tensor>();
        var currentProjection = new Dictionary<int, Tensor>();
        var chosenSum = new Dictionary<int, Tensor>();
        var chosenCount = new Dictionary<int, Tensor>();
        float[][]? stepProbabilities = null;
        var skipLogits = new List<Tensor>();

        Tensor Step(Tensor input)
        {
            for (int l = 0; l < layers; l++)
            {
                (h[l], c[l]) = lstm[l].forward(input, (h[l], c[l]));
                input = h[l];
            }
            return h[layers - 1];
        }

        void Anchor(int layer)
        {
            Tensor top = Step(x);
            anchors[layer] = top;
            anchorProjections[layer] = anchorPrevious.forward(top);
            currentProjection[layer] = anchorCurrent.forward(top);
            x = start.expand(batch, -1);
        }

        for (int i = 0; i < steps.Count; i++)
        {
            DecisionStep step = steps[i];
            bool isActive = active == null || active[i];
            Tensor mask = isActive ? ones(batch) : zeros(batch);
            bool[,]? refused = Refused(tokens, i, given != null);
            if (step.Kind == DecisionKind.Choice)
            {
                Tensor logits = Squash(heads[_headOfStep[i]].forward(Step(x)));
                Tensor? refusedMask = refused is null ? null : tensor(refused);
                if (refusedMask is not null) logits = logits.masked_fill(refusedMask, double.NegativeInfinity);
                Tensor logp = nn.functional.log_softmax(logits, 1);
                Tensor p = logp.exp();
                if (i == probabilitiesOfStep)
                    stepProbabilities = Enumerable.Range(0, batch).Select(b => p[b].data<float>().ToArray()).ToArray();
                if (given == null)
                {
                    float[] probabilities = p.data<float>().ToArray();
                    int n = step.ChoiceCount;
                    for (int b = 0; b < batch; b++)
                        tokens[b][i] = isActive ? random!.Sample(probabilities.AsSpan(b * n, n)) : FirstAllowed(refused, b);
                }
                Tensor chosen = tensor(tokens.Select(t => (long)t[i]).ToArray());
                logProbability = logProbability + mask * logp.gather(1, chosen.unsqueeze(1)).squeeze(1);
                // p log p is 0 · -inf at a refused token: zero its log first, so neither the value nor the gradient is NaN.
                Tensor entropyLogp = refusedMask is null ? logp : logp.masked_fill(refusedMask, 0.0);
                entropy = entropy - mask * (p * entropyLogp).sum(1);
                x = embeddings[_headOfStep[i]].forward(chosen);
                if (_plan.AnchorAfter[i] >= 0) Anchor(_plan.AnchorAfter[i]);
            }
            else
            {
                if (_plan.AnchorBefore[i] >= 0) Anchor(_plan.AnchorBefore[i]);
                int from = step.FromLayer, to = step.Layer;
                Tensor logit = Squash(anchorScore.forward(tanh(anchorProjections[from] + currentProjection[to])).squeeze(1));
                skipLogits.Add(logit);
                Tensor logYes = nn.functional.logsigmoid(logit);
                Tensor logNo = nn.functional.logsigmoid(-logit);
                Tensor pYes = logYes.exp();
                if (i == probabilitiesOfStep)
                {
                    float[] yesProbabilities = pYes.data<float>().ToArray();
                    stepProbabilities = Enumerable.Range(0, batch).Select(b =>
                        refused is not null && (refused[b, 0] || refused[b, 1]) ? (refused[b, 1] ? new[] { 1f, 0f } : new[] { 0f, 1f })
                            : new[] { 1 - yesProbabilities[b], yesProbabilities[b] }).ToArray();
                }
                if (given == null)
                {
                    float[] probabilities = pYes.data<float>().ToArray();
                    for (int b = 0; b < batch; b++)
                    {
                        tokens[b][i] = refused is not null && (refused[b, 0] || refused[b, 1]) ? FirstAllowed(refused, b)
                            : isActive && random!.NextDouble() < probabilities[b] ? 1 : 0;
                    }
                }
                Tensor yes = tensor(tokens.Select(t => (float)t[i]).ToArray());
                // A decision narrowed to one answer is certain: it adds nothing to the log-probability or the entropy.
                Tensor free = refused is null ? mask : mask * tensor(Enumerable.Range(0, batch).Select(b => refused[b, 0] || refused[b, 1] ? 0f : 1f).ToArray());
                logProbability = logProbability + free * (yes * logYes + (1 - yes) * logNo);
                entropy = entropy - free * (pYes * logYes + (1 - pYes) * logNo);
                chosenSum[to] = (chosenSum.TryGetValue(to, out Tensor? sum) ? sum : zeros(batch, _options.HiddenSize)) + yes.unsqueeze(1) * anchors[from];
                chosenCount[to] = (chosenCount.TryGetValue(to, out Tensor? count) ? count : zeros(batch)) + yes;
                if (_plan.EndsSkips[i])
                {
                    Tensor n = chosenCount[to].unsqueeze(1);
                    x = where(n > 0, chosenSum[to] / n.clamp_min(1), start.expand(batch, -1));
                }
            }
        }
        return new ControllerPass(tokens, logProbability, entropy, skipLogits.Count > 0 ? stack(skipLogits, 1) : zeros(batch, 0), stepProbabilities);
    }

    /// <summary>
    /// [batch, choices] true where the space refuses a token at step <paramref name="i"/> after the row's earlier tokens;
    /// null when it refuses none in any row. Teacher-forced rows must hold an allowed token there.
    /// </summary>
    private bool[,]? Refused(int[][] tokens, int i, bool teacherForced)
    {
        int n = _plan.Steps[i].ChoiceCount;
        bool[,]? refused = null;
        for (int b = 0; b < tokens.Length; b++)
        {
            int[]? allowed = AllowedTokens.Of(_space, new ArraySegment<int>(tokens[b], 0, i));
            if (allowed is null) continue;
            refused ??= new bool[tokens.Length, n];
            for (int t = 0; t < n; t++) refused[b, t] = true;
            foreach (int t in allowed) refused[b, t] = false;
            if (teacherForced && (uint)tokens[b][i] < (uint)n && refused[b, tokens[b][i]])
                throw new ArgumentException(
                    $"Teacher-forced sequence {b} holds token {tokens[b][i]} at step {i} ('{_plan.Steps[i].Name}'), which the space refuses after its earlier tokens.");
        }
        return refused;
    }

    /// <summary>The lowest token row <paramref name="b"/> allows (0 when nothing is refused).</summary>
    private static int FirstAllowed(bool[,]? refused, int b)
    {
        if (refused is null) return 0;
        int t = 0;
        while (refused[b, t]) t++;
        return t;
    }

    private Tensor Squash(Tensor logits)
    {
        if (_options.Temperature != 1.0) logits = logits / _options.Temperature;
        if (_options.TanhConstant is { } k) logits = k * tanh(logits / k);
        return logits;
    }

    /// <summary>Uniform in [-InitRange, InitRange] from our own generator: independent of torch's global one.</summary>
    private void InitialiseUniform(Xoshiro256 random)
    {
        using var noGrad = no_grad();
        foreach (Parameter p in parameters())
        {
            var values = new float[p.numel()];
            for (int i = 0; i < values.Length; i++)
                values[i] = (float)((random.NextDouble() * 2 - 1) * _options.InitRange);
            p.copy_(tensor(values).view(p.shape));
        }
    }
}
