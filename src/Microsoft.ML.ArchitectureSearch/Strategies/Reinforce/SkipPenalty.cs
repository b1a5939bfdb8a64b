using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Strategies.Reinforce;

/// <summary>
/// ENAS's skip penalty (Pham et al. 2018, Sec. 2.3; <see cref="ReinforceOptions.SkipPenaltyWeight"/>): for each layer
/// with skip decisions, the KL divergence KL(p || q) between the controller's Bernoulli distribution of each of the
/// layer's skip connections (p = sigmoid of its logit) and the target's (q = <see cref="ReinforceOptions.SkipTarget"/>),
/// summed over the layer's decisions, then averaged over those layers. Computed from log-sigmoids, so a probability
/// that rounds to 0 or 1 gives a finite penalty and gradient. The authors' code takes the KL of sigmoid(logit) while it
/// samples from sigmoid(2·logit) (a softmax over [-logit, logit]); here the penalty is on the distribution the
/// controller samples from.
/// </summary>
internal sealed class SkipPenalty
{
    private readonly int[] _layerOfSkip;
    private readonly double _target;

    public SkipPenalty(IReadOnlyList<DecisionStep> steps, double target)
    {
        _layerOfSkip = steps.Where(s => s.Kind == DecisionKind.Skip).Select(s => s.Layer).ToArray();
        _target = target;
    }

    /// <summary>
    /// [batch] the penalty of each row of <paramref name="skipLogits"/> ([batch, skip steps], from
    /// <see cref="ControllerPass.SkipLogits"/>). <paramref name="activeSkips"/> (one flag per skip step; null: all)
    /// leaves out the steps progressive depth holds at "no skip"; a row with no active skip step has no penalty.
    /// </summary>
    public Tensor Compute(Tensor skipLogits, bool[]? activeSkips)
    {
        long batch = skipLogits.shape[0];
        int[] layers = _layerOfSkip.Where((_, j) => activeSkips == null || activeSkips[j]).Distinct().ToArray();
        if (layers.Length == 0) return zeros(batch);

        // assignment[j, l] = 1 when skip step j is active and belongs to the l-th layer with active skips.
        var assignment = new float[_layerOfSkip.Length * layers.Length];
        for (int j = 0; j < _layerOfSkip.Length; j++)
            if (activeSkips == null || activeSkips[j])
                assignment[j * layers.Length + Array.IndexOf(layers, _layerOfSkip[j])] = 1;

        Tensor logYes = nn.functional.logsigmoid(skipLogits), logNo = nn.functional.logsigmoid(-skipLogits);
        Tensor kl = logYes.exp() * (logYes - Math.Log(_target)) + logNo.exp() * (logNo - Math.Log(1 - _target));
        Tensor perLayer = kl.matmul(tensor(assignment).view(_layerOfSkip.Length, layers.Length));
        return perLayer.mean(new long[] { 1 });
    }
}
