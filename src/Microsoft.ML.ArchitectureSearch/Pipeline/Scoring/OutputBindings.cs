using Microsoft.ML.Data;
namespace Microsoft.ML.ArchitectureSearch.Pipeline.Scoring;

/// <summary>
/// The output schema of the transformer over one input schema: every input column at its own index (so input
/// getters pass through), then the head's columns, which hide same-named input columns as ML.NET transforms do.
/// </summary>
internal sealed class OutputBindings
{
    public OutputBindings(DataViewSchema input, IOutputHead head)
    {
        head.CheckInput(input);
        Input = input;
        Head = head;
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        foreach (OutputColumn column in head.Outputs)
            builder.AddColumn(column.Name, column.Type, column.Annotations);
        Output = builder.ToSchema();
    }

    public DataViewSchema Input { get; }

    public DataViewSchema Output { get; }

    public IOutputHead Head { get; }

    public int InputCount => Input.Count;

    /// <summary>Which added columns are requested: index i is Head.Outputs[i].</summary>
    public bool[] ActiveOutputs(IEnumerable<DataViewSchema.Column> requested)
    {
        var active = new bool[Head.Outputs.Count];
        foreach (DataViewSchema.Column column in requested)
        {
            if (column.Index >= InputCount)
                active[column.Index - InputCount] = true;
        }
        return active;
    }

    /// <summary>The input columns needed to produce the requested output columns.</summary>
    public IEnumerable<DataViewSchema.Column> InputColumnsNeeded(IEnumerable<DataViewSchema.Column> requested)
    {
        var needed = new HashSet<int>();
        foreach (DataViewSchema.Column column in requested)
        {
            if (column.Index < InputCount)
                needed.Add(column.Index);
            else
                needed.Add(Input[Head.InputColumnName].Index);
        }
        return needed.Order().Select(i => Input[i]);
    }
}

/// <summary>Getters of one output row: input columns from the input row, added columns from a row scorer.</summary>
internal sealed class MappedGetters
{
    private readonly DataViewRow _input;
    private readonly OutputBindings _bindings;
    private readonly bool[] _activeOutputs;
    private readonly RowScorer? _scorer;

    public MappedGetters(DataViewRow input, OutputBindings bindings, bool[] activeOutputs)
    {
        _input = input;
        _bindings = bindings;
        _activeOutputs = activeOutputs;
        _scorer = activeOutputs.Any(a => a) ? bindings.Head.CreateScorer(input) : null;
    }

    public bool IsColumnActive(DataViewSchema.Column column) => column.Index < _bindings.InputCount
        ? _input.IsColumnActive(_input.Schema[column.Index])
        : _activeOutputs[column.Index - _bindings.InputCount];

    public ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (column.Index < _bindings.InputCount)
            return _input.GetGetter<TValue>(_input.Schema[column.Index]);
        int output = column.Index - _bindings.InputCount;
        if (output >= _activeOutputs.Length || !_activeOutputs[output] || _scorer == null)
            throw new InvalidOperationException($"Column '{column.Name}' was not requested from this cursor.");
        return _scorer.GetGetter(output) as ValueGetter<TValue>
            ?? throw new InvalidOperationException(
                $"Column '{column.Name}' has type {_bindings.Head.Outputs[output].Type}; a getter of {typeof(TValue).Name} was requested.");
    }
}
