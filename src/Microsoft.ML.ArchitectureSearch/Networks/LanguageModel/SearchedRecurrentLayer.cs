using Microsoft.ML.ArchitectureSearch.Networks.Onnx;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;

/// <summary>
/// A searched cell unrolled over a segment. The input projections of all time steps are one matrix product up front;
/// only the hidden projection and the tree remain inside the time loop.
/// </summary>
internal sealed class SearchedRecurrentLayer : RecurrentLayer, IOnnxRecurrentStep
{
    private readonly SearchedRecurrentCell cell;

    public SearchedRecurrentLayer(RecurrentCellArchitecture architecture, int inputSize, int hiddenSize)
        : base(nameof(SearchedRecurrentLayer), inputSize, hiddenSize)
    {
        cell = new SearchedRecurrentCell(architecture, inputSize, hiddenSize);
        RegisterComponents();
    }

    public SearchedRecurrentCell Cell => cell;

    public override (Tensor Output, Tensor H, Tensor C) forward(Tensor input, Tensor h, Tensor c)
    {
        CheckShapes(input, h, c);
        var projected = cell.ProjectInput(input);
        long steps = input.shape[0];
        var outputs = new Tensor[steps];
        for (long t = 0; t < steps; t++)
        {
            (h, c) = cell.Step(projected[t], h, c);
            outputs[t] = h;
        }
        return (stack(outputs, 0), h, c);
    }

    /// <inheritdoc/>
    public (string H, string C) ExportOnnxStep(OnnxGraphBuilder onnx, string x, string h, string c, string name) =>
        cell.ExportOnnxStep(onnx, x, h, c, name);
}
