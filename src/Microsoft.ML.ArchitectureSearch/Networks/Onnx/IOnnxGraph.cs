namespace Microsoft.ML.ArchitectureSearch.Networks.Onnx;

/// <summary>
/// The ONNX graph a network writes itself into: constants and nodes, nothing else. The networks know only this
/// interface; Pipeline/MLNetInternals implements it over ML.NET's ONNX context, which ConvertToOnnx hands to the
/// transformer and SaveAsOnnx creates (so both exports share one graph writer and one protobuf serializer, ML.NET's).
/// </summary>
internal interface IOnnxGraph
{
    /// <summary>Adds a float32 constant tensor; returns its variable name (unique, derived from <paramref name="nameHint"/>).</summary>
    string AddInitializer(string nameHint, IReadOnlyList<float> values, IReadOnlyList<long> dims);

    /// <summary>Adds an int64 constant tensor; returns its variable name.</summary>
    string AddInitializer(string nameHint, IReadOnlyList<long> values, IReadOnlyList<long> dims);

    /// <summary>Adds a node of the default (ai.onnx) domain with one output; returns the output's variable name.</summary>
    string AddNode(string opType, IReadOnlyList<string> inputs, string outputHint, IReadOnlyList<OnnxAttribute> attributes);
}

/// <summary>A node attribute: the value is a <see cref="long"/>, a <see cref="float"/>, a <see cref="long"/>[] or a <see cref="string"/>.</summary>
internal sealed record OnnxAttribute(string Name, object Value);
