using Microsoft.ML.Data;
namespace Microsoft.ML.ArchitectureSearch.Pipeline.Scoring;

/// <summary>
/// The lazy result of Transform: rows stream from the source and each requested output is computed when read.
/// Nothing is materialised; each cursor owns its scorer and buffers.
/// </summary>
internal sealed class ScoredDataView : IDataView
{
    private readonly IDataView _source;
    private readonly OutputBindings _bindings;

    public ScoredDataView(IDataView source, OutputBindings bindings)
    {
        _source = source;
        _bindings = bindings;
    }

    public bool CanShuffle => _source.CanShuffle;

    public DataViewSchema Schema => _bindings.Output;

    public long? GetRowCount() => _source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var requested = columnsNeeded.ToArray();
        DataViewRowCursor input = _source.GetRowCursor(_bindings.InputColumnsNeeded(requested), rand);
        return new Cursor(input, _bindings, _bindings.ActiveOutputs(requested));
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var requested = columnsNeeded.ToArray();
        bool[] active = _bindings.ActiveOutputs(requested);
        return _source.GetRowCursorSet(_bindings.InputColumnsNeeded(requested), n, rand)
            .Select(input => (DataViewRowCursor)new Cursor(input, _bindings, (bool[])active.Clone()))
            .ToArray();
    }

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly DataViewRowCursor _input;
        private readonly OutputBindings _bindings;
        private readonly MappedGetters _getters;

        public Cursor(DataViewRowCursor input, OutputBindings bindings, bool[] activeOutputs)
        {
            _input = input;
            _bindings = bindings;
            _getters = new MappedGetters(input, bindings, activeOutputs);
        }

        public override DataViewSchema Schema => _bindings.Output;
        public override long Position => _input.Position;
        public override long Batch => _input.Batch;
        public override bool MoveNext() => _input.MoveNext();
        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => _getters.IsColumnActive(column);
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _getters.GetGetter<TValue>(column);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                _input.Dispose();
            base.Dispose(disposing);
        }
    }
}
