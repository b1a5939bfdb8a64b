using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;

/// <summary>
/// The LSTM baseline: one layer of TorchSharp's fused <c>nn.LSTM</c> (libtorch's native kernel, as PyTorch's
/// word_language_model uses), so throughput comparisons with the searched cell are against the real thing.
/// </summary>
internal sealed class LstmLayer : RecurrentLayer
{
    private readonly LSTM lstm;

    public LstmLayer(int inputSize, int hiddenSize) : base(nameof(LstmLayer), inputSize, hiddenSize)
    {
        lstm = nn.LSTM(inputSize, hiddenSize, numLayers: 1);
        RegisterComponents();
    }

    public override (Tensor Output, Tensor H, Tensor C) forward(Tensor input, Tensor h, Tensor c)
    {
        CheckShapes(input, h, c);
        var (output, hn, cn) = lstm.forward(input, (h.unsqueeze(0), c.unsqueeze(0)));
        return (output, hn.squeeze(0), cn.squeeze(0));
    }
}
