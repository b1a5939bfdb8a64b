namespace Microsoft.ML.ArchitectureSearch.Networks.Cnn;

/// <summary>
/// A feature map [N, C, Height, Width] in an ONNX graph being written: its variable and its spatial size, which the
/// CNN's ONNX export tracks itself (joins pad or pool to sizes known when the graph is written, as forward reads them
/// from the tensors).
/// </summary>
internal sealed record OnnxMap(string Variable, long Height, long Width);
