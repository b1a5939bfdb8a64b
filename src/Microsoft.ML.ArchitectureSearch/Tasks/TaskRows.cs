namespace Microsoft.ML.ArchitectureSearch.Tasks;

/// <summary>Training or validation rows of one task, read out of an IDataView into memory once.</summary>
internal abstract class TaskRows
{
    public abstract int Count { get; }

    /// <summary>What a model trained on these rows needs to score new rows besides its weights (label keys, vocabulary).</summary>
    public abstract TaskModelData ModelData { get; }

    /// <summary>The rows at <paramref name="indices"/>, in that order.</summary>
    public abstract TaskRows Select(IReadOnlyList<int> indices);

    /// <summary>The first <paramref name="count"/> rows, or these rows when there are no more.</summary>
    public TaskRows Take(int? count) =>
        count is int n && n < Count ? Select(Enumerable.Range(0, n).ToArray()) : this;
}

/// <summary>
/// The part of a fitted model that is neither architecture nor weights and differs by task (label keys, vocabulary);
/// saved inside the model payload by its task.
/// </summary>
internal abstract class TaskModelData
{
    public abstract void Write(BinaryWriter writer);
}
