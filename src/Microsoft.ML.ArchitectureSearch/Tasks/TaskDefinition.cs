using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Pipeline;
using Microsoft.ML.ArchitectureSearch.Pipeline.Scoring;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tasks;

/// <summary>
/// Everything that differs between the tasks of <see cref="ArchitectureSearchTask"/>: the columns read and written,
/// reading rows into memory, the search space and child trainer, the final retraining, rebuilding a saved network and
/// scoring rows with it. The estimator, the transformer and the model loader ask their task's definition and never
/// switch on the task themselves (<see cref="TaskDefinitions"/> is the one place that does). A new task is a new folder
/// beside ImageClassification/ and LanguageModeling/ and one line in <see cref="TaskDefinitions"/>.
/// </summary>
internal abstract class TaskDefinition
{
    public abstract ArchitectureSearchTask Task { get; }

    /// <summary>Checks the options only this task reads (after <see cref="ArchitectureSearchOptions"/> checked the rest).</summary>
    public virtual void CheckOptions(ArchitectureSearchOptions options) { }

    /// <summary>The columns the fitted transformer adds, after checking the input's shape (estimator's GetOutputSchema).</summary>
    public abstract IEnumerable<SchemaShape.Column> OutputColumns(SchemaShape input, ArchitectureSearchOptions options);

    /// <summary>Checks the columns of training or validation data before any row is read; throws naming the column.</summary>
    public abstract void CheckSchema(DataViewSchema schema, ArchitectureSearchOptions options);

    /// <summary>Reads and checks the training rows; what the model learns from them besides weights (label keys, vocabulary) comes along.</summary>
    public abstract TaskRows ReadTrainingRows(IDataView data, ArchitectureSearchOptions options);

    /// <summary>Reads and checks validation rows against what the training rows established.</summary>
    public abstract TaskRows ReadValidationRows(IDataView data, TaskRows training, ArchitectureSearchOptions options);

    /// <summary>The task's half of one Fit: search space, child trainer and the final retraining.</summary>
    public abstract ITaskSearch CreateSearch(TaskRows train, TaskRows validation, ArchitectureSearchOptions options, ISearchLog log);

    /// <summary>The architecture a saved document describes, decoded in the space its own settings describe.</summary>
    public abstract IArchitecture DecodeSavedArchitecture(string json);

    /// <summary>An untrained network of <paramref name="architecture"/> in the form the head scores with (weights load into it).</summary>
    public abstract nn.Module<Tensor, Tensor> BuildScoringNetwork(IArchitecture architecture, TaskModelData data);

    /// <summary>The columns the transformer writes and how each row is scored.</summary>
    public abstract IOutputHead CreateHead(ColumnNames columns, TaskModelData data, SharedNetwork network);

    /// <summary>Reads the section <see cref="TaskModelData.Write"/> wrote into a saved model.</summary>
    public abstract TaskModelData ReadModelData(BinaryReader reader);
}
