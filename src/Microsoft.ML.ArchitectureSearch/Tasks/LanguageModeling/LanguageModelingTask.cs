using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;
using Microsoft.ML.ArchitectureSearch.Pipeline;
using Microsoft.ML.ArchitectureSearch.Pipeline.MLNetInternals;
using Microsoft.ML.ArchitectureSearch.Pipeline.Scoring;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using Microsoft.ML.Data;
using static Microsoft.ML.SchemaShape.Column;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tasks.LanguageModeling;

/// <summary>
/// Word-level language modelling: a text column (one sentence per row) in; Perplexity and PredictedNextWord out;
/// a searched recurrent cell (Zoph &amp; Le's tree or ENAS's DAG) inside a word language model in between.
/// </summary>
internal sealed class LanguageModelingTask : TaskDefinition
{
    public static readonly LanguageModelingTask Instance = new();

    private LanguageModelingTask() { }

    public override ArchitectureSearchTask Task => ArchitectureSearchTask.LanguageModeling;

    public override void CheckOptions(ArchitectureSearchOptions o) =>
        ArchitectureSearchOptions.RequireSupported(!o.WeightSharing || o.RecurrentCellSpace.Cell == RecurrentCellKind.EnasDag, nameof(o.WeightSharing),
            "for language modeling needs the ENAS cell space (RecurrentCellSpace.Cell = RecurrentCellKind.EnasDag): Zoph & Le's tree cell has no shared network; set Cell = EnasDag or WeightSharing = false");

    public override IEnumerable<SchemaShape.Column> OutputColumns(SchemaShape input, ArchitectureSearchOptions o)
    {
        SchemaShape.Column text = InputSchemaChecks.Find(input, o.FeatureColumnName, "text");
        if (text.Kind != VectorKind.Scalar || text.ItemType is not TextDataViewType)
            throw InputSchemaChecks.Mismatch(o.FeatureColumnName, "text", InputSchemaChecks.TextExpectation, InputSchemaChecks.Describe(text));
        return new[]
        {
            MLNetInternalsAccess.ShapeColumn(o.PerplexityColumnName, VectorKind.Scalar, NumberDataViewType.Single, false),
            MLNetInternalsAccess.ShapeColumn(o.PredictedNextWordColumnName, VectorKind.Scalar, TextDataViewType.Instance, false),
        };
    }

    public override void CheckSchema(DataViewSchema schema, ArchitectureSearchOptions o) =>
        InputSchemaChecks.CheckTextColumn(schema, o.FeatureColumnName);

    public override TaskRows ReadTrainingRows(IDataView data, ArchitectureSearchOptions o)
    {
        IReadOnlyList<string> sentences = SentenceReader.ReadSentences(data, "training data", o.FeatureColumnName);
        return new SentenceRows(sentences, new LanguageModelData(Vocabulary.Build(sentences)));
    }

    public override TaskRows ReadValidationRows(IDataView data, TaskRows training, ArchitectureSearchOptions o) =>
        new SentenceRows(SentenceReader.ReadSentences(data, "validation data", o.FeatureColumnName), (LanguageModelData)training.ModelData);

    public override ITaskSearch CreateSearch(TaskRows train, TaskRows validation, ArchitectureSearchOptions options, ISearchLog log) =>
        new LanguageModelSearch((SentenceRows)train, (SentenceRows)validation, options, log);

    public override IArchitecture DecodeSavedArchitecture(string json) => LanguageModelSpaces.FromStandaloneJson(json);

    public override nn.Module<Tensor, Tensor> BuildScoringNetwork(IArchitecture architecture, TaskModelData data)
    {
        var cell = (ILanguageModelArchitecture)architecture;
        int vocabulary = ((LanguageModelData)data).Vocabulary.Count;
        if (cell.ModelOptions.VocabularySize != vocabulary)
            throw new InvalidDataException(
                $"The saved architecture expects a vocabulary of {cell.ModelOptions.VocabularySize} words, the model's vocabulary has {vocabulary}.");
        return new LanguageModelScoringNetwork(LanguageModelNetworks.Create(cell));
    }

    public override IOutputHead CreateHead(ColumnNames columns, TaskModelData data, SharedNetwork network) =>
        new LanguageModelHead(columns, ((LanguageModelData)data).Vocabulary, network);

    public override TaskModelData ReadModelData(BinaryReader reader) => LanguageModelData.Read(reader);
}
