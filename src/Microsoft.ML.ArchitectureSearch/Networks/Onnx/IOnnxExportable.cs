namespace Microsoft.ML.ArchitectureSearch.Networks.Onnx;

/// <summary>
/// A TorchSharp network that can write its inference-mode forward pass as ONNX nodes. Each module writes its graph
/// next to its forward, so the two are read (and changed) together; tests check ONNX Runtime agrees with forward.
/// </summary>
internal interface IOnnxExportable
{
    /// <summary>Writes the forward pass of <paramref name="input"/>; returns the variable holding the output.</summary>
    string ExportOnnx(OnnxGraphBuilder onnx, string input);
}
