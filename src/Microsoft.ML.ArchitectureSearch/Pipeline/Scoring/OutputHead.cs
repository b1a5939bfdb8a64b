using Microsoft.ML.ArchitectureSearch.Networks.Onnx;
using Microsoft.ML.Data;
namespace Microsoft.ML.ArchitectureSearch.Pipeline.Scoring;

/// <summary>One column the transformer adds.</summary>
internal sealed record OutputColumn(string Name, DataViewType Type, DataViewSchema.Annotations Annotations);

/// <summary>
/// Computes the output columns of one input row. Each cursor or row gets its own scorer, which owns its buffers;
/// only the network is shared (see <see cref="SharedNetwork"/>). Outputs are computed once per row position.
/// </summary>
internal abstract class RowScorer
{
    private long _computedPosition = -1;

    protected RowScorer(DataViewRow input) => Input = input;

    protected DataViewRow Input { get; }

    /// <summary>A getter of output <paramref name="outputIndex"/>, typed as declared by the head's output column.</summary>
    public abstract Delegate GetGetter(int outputIndex);

    /// <summary>Runs the network for the current row unless it already ran for it.</summary>
    protected void EnsureComputed()
    {
        if (_computedPosition == Input.Position)
            return;
        Compute();
        _computedPosition = Input.Position;
    }

    protected abstract void Compute();
}

/// <summary>The task-specific part of the transformer: which column it reads, what it writes, how.</summary>
internal interface IOutputHead
{
    string InputColumnName { get; }

    IReadOnlyList<OutputColumn> Outputs { get; }

    /// <summary>Throws a schema-mismatch exception naming the column unless the input column fits.</summary>
    void CheckInput(DataViewSchema inputSchema);

    RowScorer CreateScorer(DataViewRow input);

    /// <summary>The input column's type as a stand-alone ONNX model of <see cref="ExportOnnx"/> declares it.</summary>
    DataViewType OnnxInputType { get; }

    /// <summary>
    /// Writes the network as a stand-alone ONNX model (the transformer's SaveAsOnnx): for a head that
    /// <see cref="ExportOnnx"/> can write, its graph with one input and the output columns; otherwise whatever form
    /// the head documents (a language model's one time step).
    /// </summary>
    void SaveAsOnnx(Stream stream);

    /// <summary>
    /// Writes what <see cref="CreateScorer"/> computes as ONNX nodes reading <paramref name="input"/> (the feature column,
    /// [N, values]); returns one variable per entry of <see cref="Outputs"/>, holding exactly that column. Throws
    /// <see cref="NotSupportedException"/>, naming what has no ONNX form, for a network that cannot be exported.
    /// </summary>
    IReadOnlyList<string> ExportOnnx(OnnxGraphBuilder onnx, string input);
}
