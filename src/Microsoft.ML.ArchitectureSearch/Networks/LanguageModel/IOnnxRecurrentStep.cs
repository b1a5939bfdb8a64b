using Microsoft.ML.ArchitectureSearch.Networks.Onnx;

namespace Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;

/// <summary>
/// A <see cref="RecurrentLayer"/> that can write one time step of its forward pass as ONNX nodes. Separate from
/// <see cref="RecurrentLayer"/> so that a new cell kind compiles without it and is refused by name on export
/// (<see cref="WordLanguageModel.ExportOnnxStep"/>) until it implements it, next to its forward.
/// </summary>
internal interface IOnnxRecurrentStep
{
    /// <summary>
    /// Writes (x_t [N, InputSize], h [N, HiddenSize], c [N, HiddenSize]) to (h_t, c_t), as forward computes one step.
    /// <paramref name="name"/> prefixes every node and weight it writes.
    /// </summary>
    (string H, string C) ExportOnnxStep(OnnxGraphBuilder onnx, string x, string h, string c, string name);
}
