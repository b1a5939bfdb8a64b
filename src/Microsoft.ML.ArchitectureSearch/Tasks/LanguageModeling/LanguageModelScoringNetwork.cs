using Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tasks.LanguageModeling;

/// <summary>
/// Adapts a <see cref="WordLanguageModel"/> (time-major, explicit recurrent state) to the transformer's scoring contract:
/// [N, T] word ids to [N, T, V] logits, each sentence starting from a zero state. The wrapped model is a registered
/// submodule, so its weights save and load through this module.
/// </summary>
internal sealed class LanguageModelScoringNetwork : nn.Module<Tensor, Tensor>
{
    private readonly WordLanguageModel model;

    public LanguageModelScoringNetwork(WordLanguageModel model) : base(nameof(LanguageModelScoringNetwork))
    {
        this.model = model;
        RegisterComponents();
    }

    public WordLanguageModel Model => model;

    public override Tensor forward(Tensor tokens)
    {
        long n = tokens.shape[0], t = tokens.shape[1];
        using var scope = NewDisposeScope();
        (Tensor h, Tensor c) = model.InitialState(n);
        (Tensor logits, _, _) = model.forward(tokens.t().contiguous(), h, c);
        return logits.view(t, n, -1).transpose(0, 1).contiguous().MoveToOuterDisposeScope();
    }
}
