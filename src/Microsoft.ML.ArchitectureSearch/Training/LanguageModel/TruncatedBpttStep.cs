using Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Training.LanguageModel;

/// <summary>
/// One update of truncated backpropagation through time, as PyTorch's word_language_model recipe makes it: forward a
/// segment from the carried state, cross-entropy, backward, clip the global gradient norm, then the optimizer's step
/// (plain in-place SGD when there is none). Shared by the child trainer and the shared-weight trainer.
/// </summary>
internal static class TruncatedBpttStep
{
    /// <summary>
    /// Trains <paramref name="parameters"/> of <paramref name="model"/> on one segment and returns its mean loss. With a
    /// finite loss the weights are updated and <paramref name="h"/>, <paramref name="c"/> are replaced (the old ones
    /// disposed) by the detached state after the segment, moved out of the caller's dispose scope: the state carries
    /// over, its history does not. A NaN or infinite loss changes nothing and is returned for the caller to handle.
    /// Call inside a dispose scope, which collects the segment's tensors.
    /// </summary>
    public static double Run(WordLanguageModel model, IReadOnlyList<Parameter> parameters, Tensor input, Tensor target,
        ref Tensor h, ref Tensor c, optim.Optimizer? optimizer, double learningRate, double gradientClipNorm)
    {
        var (logits, nextH, nextC) = model.forward(input, h, c);
        Tensor lossTensor = nn.functional.cross_entropy(logits, target);
        double loss = lossTensor.item<float>();
        if (!double.IsFinite(loss))
            return loss;
        // Freed, not zeroed: a weight the segment did not use (a shared network's other branches) gets no gradient, so
        // neither SGD nor Adam moves it or its moments.
        model.zero_grad(set_to_none: true);
        lossTensor.backward();
        nn.utils.clip_grad_norm_(parameters, gradientClipNorm);
        if (optimizer is not null)
            optimizer.step();
        else
            SgdStep(parameters, learningRate);
        h.Dispose();
        c.Dispose();
        h = nextH.detach().MoveToOuterDisposeScope();
        c = nextC.detach().MoveToOuterDisposeScope();
        return loss;
    }

    // SGD needs no state, so without an optimizer it is the plain in-place update PyTorch's recipe makes.
    private static void SgdStep(IReadOnlyList<Parameter> parameters, double learningRate)
    {
        using var _ = no_grad();
        foreach (var p in parameters)
        {
            var grad = p.grad;
            if (grad is not null)
                p.add_(grad, alpha: -learningRate);
        }
    }
}
