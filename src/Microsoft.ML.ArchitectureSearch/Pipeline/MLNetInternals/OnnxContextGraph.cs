using Microsoft.ML.ArchitectureSearch.Networks.Onnx;
using Microsoft.ML.Model.OnnxConverter;

namespace Microsoft.ML.ArchitectureSearch.Pipeline.MLNetInternals;

/// <summary>
/// <see cref="IOnnxGraph"/> over ML.NET's ONNX context (internal to ML.NET: see OnnxExport.cs). Every name the network
/// writes is prefixed so that it cannot take over an IDataView column's name: the context keeps one map from names to
/// variables for both, and a node output named like a column would re-point that column.
/// </summary>
internal sealed class OnnxContextGraph : IOnnxGraph
{
    private const string Prefix = "ArchitectureSearch.";
    private readonly OnnxContext _context;

    public OnnxContextGraph(OnnxContext context) => _context = context;

    public string AddInitializer(string nameHint, IReadOnlyList<float> values, IReadOnlyList<long> dims) =>
        _context.AddInitializer(values, dims, Prefix + nameHint);

    public string AddInitializer(string nameHint, IReadOnlyList<long> values, IReadOnlyList<long> dims) =>
        _context.AddInitializer(values, dims, Prefix + nameHint);

    public string AddNode(string opType, IReadOnlyList<string> inputs, string outputHint, IReadOnlyList<OnnxAttribute> attributes)
    {
        // skip: no value_info for intermediate values; ONNX Runtime infers their shapes.
        string output = _context.AddIntermediateVariable(null!, Prefix + outputHint, skip: true);
        // "" is the default ai.onnx domain (the context defaults to ai.onnx.ml).
        OnnxNode node = _context.CreateNode(opType, inputs, new[] { output }, _context.GetNodeName(Prefix + opType), "");
        foreach (OnnxAttribute attribute in attributes)
        {
            switch (attribute.Value)
            {
                case long value: node.AddAttribute(attribute.Name, value); break;
                case float value: node.AddAttribute(attribute.Name, (double)value); break;
                case long[] values: node.AddAttribute(attribute.Name, (IEnumerable<long>)values); break;
                case string value: node.AddAttribute(attribute.Name, value); break;
                default:
                    throw new ArgumentException($"ONNX attribute '{attribute.Name}' of {opType} has an unsupported value type {attribute.Value?.GetType().Name ?? "null"}.", nameof(attributes));
            }
        }

        return output;
    }
}
