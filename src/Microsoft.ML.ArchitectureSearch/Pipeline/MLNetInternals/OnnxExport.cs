using Google.Protobuf;
using Microsoft.ML.ArchitectureSearch.Networks.Onnx;
using Microsoft.ML.ArchitectureSearch.Pipeline.Scoring;
using Microsoft.ML.Model.OnnxConverter;

namespace Microsoft.ML.ArchitectureSearch.Pipeline.MLNetInternals;

// Why ONNX export goes through ML.NET internals (docs/onnx-export.md): mlContext.Model.ConvertToOnnx walks back the
// IDataView that Transform returns and asks every IDataTransform that is an ITransformCanSaveOnnx to add its nodes to
// an OnnxContext. All three types are internal to ML.NET 5 (its friend assemblies implement them), so a transformer
// outside ML.NET can take part only through the same publicized-reference route as the model zip. SaveAsOnnx uses the
// converter's own OnnxContextImpl and ModelProto (Google.Protobuf types generated from onnx.proto), so both exports
// write the network through one graph writer and serialize with ML.NET's protobuf code, not ours.
internal static class OnnxExport
{
    /// <summary>
    /// Adds the head's nodes to <paramref name="context"/>, reading the feature column's variable and binding each
    /// output column's name to its result (as ML.NET's own transforms do).
    /// </summary>
    public static void AddHead(OnnxContext context, IOutputHead head)
    {
        context.CheckOpSetVersion(OnnxGraphBuilder.MinimumOpset, nameof(ArchitectureSearchTransformer));
        if (!context.ContainsColumn(head.InputColumnName))
            throw new InvalidOperationException(
                $"The ArchitectureSearch transformer reads column '{head.InputColumnName}', which is not in the ONNX graph: an earlier step of the pipeline that produces it could not be exported to ONNX.");
        IReadOnlyList<string> produced = head.ExportOnnx(new OnnxGraphBuilder(new OnnxContextGraph(context)), context.GetVariableName(head.InputColumnName));
        for (int i = 0; i < head.Outputs.Count; i++)
        {
            OutputColumn column = head.Outputs[i];
            string variable = context.AddIntermediateVariable(column.Type, column.Name);
            context.CreateNode("Identity", produced[i], variable, context.GetNodeName("Identity"), "");
        }
    }

    /// <summary>
    /// Writes the head alone as an ONNX model (opset 12, ML.NET's): one input named after the feature column, one
    /// output per output column, named as the columns.
    /// </summary>
    public static void Save(IOutputHead head, Stream stream)
    {
        MLNetInternalsAccess.CheckPinnedVersionOnce();
        var context = new OnnxContextImpl(new MLContext(), "ArchitectureSearch", "Microsoft.ML.ArchitectureSearch",
            typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? "0", 0, "machinelearning.dotnet", OnnxVersion.Stable);
        context.AddInputVariable(head.OnnxInputType, head.InputColumnName);
        AddHead(context, head);
        foreach (OutputColumn column in head.Outputs)
            context.AddOutputVariable(column.Type, context.GetVariableName(column.Name));
        context.MakeModel().WriteTo(stream);
    }
}
