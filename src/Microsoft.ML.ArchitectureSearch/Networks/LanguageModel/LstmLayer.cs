using Microsoft.ML.ArchitectureSearch.Networks.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;

/// <summary>
/// The LSTM baseline: one layer of TorchSharp's fused <c>nn.LSTM</c> (libtorch's native kernel, as PyTorch's
/// word_language_model uses), so throughput comparisons with the searched cell are against the real thing.
/// </summary>
internal sealed class LstmLayer : RecurrentLayer, IOnnxRecurrentStep
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

    /// <summary>
    /// One step of libtorch's LSTM as written in PyTorch's nn.LSTM documentation: the gate rows of weight_ih_l0 and
    /// weight_hh_l0 are stacked input, forget, cell, output; c_t = f*c + i*g and h_t = o*tanh(c_t). Plain Gemm and
    /// element-wise nodes rather than ONNX's LSTM operator, whose gates are ordered differently and would need the
    /// weights reshuffled.
    /// </summary>
    public (string H, string C) ExportOnnxStep(OnnxGraphBuilder onnx, string x, string h, string c, string name)
    {
        var weights = lstm.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        string gates = onnx.Binary("Add",
            onnx.Linear(x, weights["weight_ih_l0"], weights["bias_ih_l0"], name + ".input"),
            onnx.Linear(h, weights["weight_hh_l0"], weights["bias_hh_l0"], name + ".hidden"), name + ".gates");
        string Gate(int index, string activation, string gate) =>
            onnx.Unary(activation, onnx.Slice(gates, index * (long)HiddenSize, (index + 1) * (long)HiddenSize, 1, 1, name + "." + gate), name + "." + gate + "." + activation);
        string input = Gate(0, "Sigmoid", "i"), forget = Gate(1, "Sigmoid", "f"), cell = Gate(2, "Tanh", "g"), output = Gate(3, "Sigmoid", "o");
        string nextC = onnx.Binary("Add", onnx.Binary("Mul", forget, c, name + ".f_c"), onnx.Binary("Mul", input, cell, name + ".i_g"), name + ".c");
        string nextH = onnx.Binary("Mul", output, onnx.Unary("Tanh", nextC, name + ".tanh_c"), name + ".h");
        return (nextH, nextC);
    }
}
