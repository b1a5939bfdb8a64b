using Google.Protobuf;
using Microsoft.ML.ArchitectureSearch.Networks.Onnx;
using Microsoft.ML.ArchitectureSearch.Pipeline.Scoring;
using Microsoft.ML.Data;
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
            BindName(context, head.Outputs[i].Name, head.Outputs[i].Type, produced[i]);
    }

    /// <summary>
    /// Writes the head alone as an ONNX model (opset 12, ML.NET's): one input named after the feature column, one
    /// output per output column, named as the columns.
    /// </summary>
    public static void Save(IOutputHead head, Stream stream)
    {
        OnnxContextImpl context = NewContext();
        context.AddInputVariable(head.OnnxInputType, head.InputColumnName);
        AddHead(context, head);
        foreach (OutputColumn column in head.Outputs)
            context.AddOutputVariable(column.Type, context.GetVariableName(column.Name));
        context.MakeModel().WriteTo(stream);
    }

    /// <summary>
    /// Writes a stand-alone ONNX model (opset 12) whose graph <paramref name="write"/> builds from the variables of
    /// <paramref name="inputs"/> (a vector type of dimensions d1..dk declares [N, d1..dk]), returning one variable per
    /// entry of <paramref name="outputs"/>; <paramref name="metadata"/> goes into the model's metadata_props, which
    /// ONNX Runtime reads back as custom metadata.
    /// </summary>
    public static void Save(
        Stream stream, IReadOnlyList<OnnxModelVariable> inputs, IReadOnlyList<OnnxModelVariable> outputs,
        Func<OnnxGraphBuilder, IReadOnlyList<string>, IReadOnlyList<string>> write, IReadOnlyDictionary<string, string> metadata)
    {
        OnnxContextImpl context = NewContext();
        context.CheckOpSetVersion(OnnxGraphBuilder.MinimumOpset, nameof(ArchitectureSearchTransformer));
        foreach (OnnxModelVariable input in inputs)
            context.AddInputVariable(input.Type, input.Name);
        IReadOnlyList<string> produced = write(new OnnxGraphBuilder(new OnnxContextGraph(context)), inputs.Select(i => context.GetVariableName(i.Name)).ToArray());
        for (int i = 0; i < outputs.Count; i++)
            context.AddOutputVariable(outputs[i].Type, BindName(context, outputs[i].Name, outputs[i].Type, produced[i]));
        OnnxCSharpToProtoWrapper.ModelProto model = context.MakeModel();
        foreach (var (key, value) in metadata)
            model.MetadataProps.Add(new OnnxCSharpToProtoWrapper.StringStringEntryProto { Key = key, Value = value });
        model.WriteTo(stream);
    }

    private static OnnxContextImpl NewContext()
    {
        MLNetInternalsAccess.CheckPinnedVersionOnce();
        return new OnnxContextImpl(new MLContext(), "ArchitectureSearch", "Microsoft.ML.ArchitectureSearch",
            typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? "0", 0, "machinelearning.dotnet", OnnxVersion.Stable);
    }

    // Names a produced variable as a column (or graph output) of that name, as ML.NET's own transforms do: an Identity
    // node into a variable the context registers under the name. Returns that variable.
    private static string BindName(OnnxContext context, string name, DataViewType type, string produced)
    {
        string variable = context.AddIntermediateVariable(type, name);
        context.CreateNode("Identity", produced, variable, context.GetNodeName("Identity"), "");
        return variable;
    }
}

/// <summary>An input or output of a stand-alone ONNX model: its name and the ML.NET type that declares its tensor.</summary>
internal sealed record OnnxModelVariable(string Name, DataViewType Type);
