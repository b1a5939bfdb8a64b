using Microsoft.ML.ArchitectureSearch.Pipeline.Scoring;
using Microsoft.ML.Data;
using Microsoft.ML.Model.OnnxConverter;

namespace Microsoft.ML.ArchitectureSearch.Pipeline.MLNetInternals;

/// <summary>
/// What Transform returns: the scored view, presented to ML.NET as a data transform over its source that can save
/// itself as ONNX, which is what mlContext.Model.ConvertToOnnx looks for when it walks a pipeline's output back to its
/// input (see OnnxExport.cs). Rows come from the scored view unchanged.
/// </summary>
internal sealed class OnnxExportableView : ITransformCanSaveOnnx
{
    private readonly IDataView _scored;
    private readonly IOutputHead _head;
    private readonly ICanSaveModel _transformer;

    public OnnxExportableView(IDataView source, IDataView scored, IOutputHead head, ICanSaveModel transformer)
    {
        Source = source;
        _scored = scored;
        _head = head;
        _transformer = transformer;
    }

    public IDataView Source { get; }

    public bool CanShuffle => _scored.CanShuffle;

    public DataViewSchema Schema => _scored.Schema;

    public long? GetRowCount() => _scored.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        _scored.GetRowCursor(columnsNeeded, rand);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        _scored.GetRowCursorSet(columnsNeeded, n, rand);

    // A data transform saves what it applies: the transformer.
    public void Save(ModelSaveContext ctx) => _transformer.Save(ctx);

    // Always true: a network that cannot be written refuses in SaveAsOnnx with the reason, instead of ML.NET quietly
    // stopping its walk here and writing a model without the network.
    public bool CanSaveOnnx(OnnxContext ctx) => true;

    public void SaveAsOnnx(OnnxContext ctx) => OnnxExport.AddHead(ctx, _head);
}
