using Microsoft.ML.Data;
namespace Microsoft.ML.ArchitectureSearch.Pipeline.Scoring;

/// <summary>Row-to-row form of the transformer, used by PredictionEngine and by chains of row mappers.</summary>
internal sealed class ScoringRowMapper : IRowToRowMapper
{
    private readonly OutputBindings _bindings;

    public ScoringRowMapper(OutputBindings bindings) => _bindings = bindings;

    public DataViewSchema InputSchema => _bindings.Input;

    public DataViewSchema OutputSchema => _bindings.Output;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) =>
        _bindings.InputColumnsNeeded(dependingColumns);

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new MappedRow(input, _bindings, _bindings.ActiveOutputs(activeColumns));
    }

    private sealed class MappedRow : DataViewRow
    {
        private readonly DataViewRow _input;
        private readonly OutputBindings _bindings;
        private readonly MappedGetters _getters;

        public MappedRow(DataViewRow input, OutputBindings bindings, bool[] activeOutputs)
        {
            _input = input;
            _bindings = bindings;
            _getters = new MappedGetters(input, bindings, activeOutputs);
        }

        public override DataViewSchema Schema => _bindings.Output;
        public override long Position => _input.Position;
        public override long Batch => _input.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => _getters.IsColumnActive(column);
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _getters.GetGetter<TValue>(column);
    }
}
