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
internal sealed record ControllerPass(int[][] Tokens, Tensor LogProbability, Tensor Entropy, Tensor SkipLogits);

/// <summary>
/// The controller of Zoph &amp; Le (2017): a stacked LSTM that emits an architecture one decision at a time. Each choice
/// step has its own softmax head and its own embedding of the chosen token, which is the next step's input. Skip
/// connections use anchor points: after a layer's last choice the LSTM takes one more step whose top state is that
/// layer's anchor h_L, and the probability that layer j feeds layer L is sigmoid(v^T tanh(W_prev h_j + W_curr h_L)).
/// After a layer's skip decisions, the next input is the mean of the chosen anchors (a learned start vector when none
/// was chosen), so later decisions know what was connected. Works from <see cref="ISearchSpace.Steps"/> alone.
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
    private readonly ControllerOptions _options;
    private readonly int[] _headOfStep;

    public ControllerNetwork(ISearchSpace space, ControllerOptions options, Xoshiro256 initRandom) : base(nameof(ControllerNetwork))
    {
        options.Validate();
        _options = options;
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
    /// take token 0 and add nothing to the log-probability or entropy (progressive depth).
    /// </summary>
    public ControllerPass Run(int batch, int[][]? given, Xoshiro256? random, bool[]? active = null)
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
            if (step.Kind == DecisionKind.Choice)
            {
                Tensor logits = Squash(heads[_headOfStep[i]].forward(Step(x)));
                Tensor logp = nn.functional.log_softmax(logits, 1);
                Tensor p = logp.exp();
                if (given == null)
                {
                    float[] probabilities = p.data<float>().ToArray();
                    int n = step.ChoiceCount;
                    for (int b = 0; b < batch; b++)
                        tokens[b][i] = isActive ? random!.Sample(probabilities.AsSpan(b * n, n)) : 0;
                }
                Tensor chosen = tensor(tokens.Select(t => (long)t[i]).ToArray());
                logProbability = logProbability + mask * logp.gather(1, chosen.unsqueeze(1)).squeeze(1);
                entropy = entropy - mask * (p * logp).sum(1);
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
                if (given == null)
                {
                    float[] probabilities = pYes.data<float>().ToArray();
                    for (int b = 0; b < batch; b++)
                        tokens[b][i] = isActive && random!.NextDouble() < probabilities[b] ? 1 : 0;
                }
                Tensor yes = tensor(tokens.Select(t => (float)t[i]).ToArray());
                logProbability = logProbability + mask * (yes * logYes + (1 - yes) * logNo);
                entropy = entropy - mask * (pYes * logYes + (1 - pYes) * logNo);
                chosenSum[to] = (chosenSum.TryGetValue(to, out Tensor? sum) ? sum : zeros(batch, _options.HiddenSize)) + yes.unsqueeze(1) * anchors[from];
                chosenCount[to] = (chosenCount.TryGetValue(to, out Tensor? count) ? count : zeros(batch)) + yes;
                if (_plan.EndsSkips[i])
                {
                    Tensor n = chosenCount[to].unsqueeze(1);
                    x = where(n > 0, chosenSum[to] / n.clamp_min(1), start.expand(batch, -1));
                }
            }
        }
        return new ControllerPass(tokens, logProbability, entropy, skipLogits.Count > 0 ? stack(skipLogits, 1) : zeros(batch, 0));
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
