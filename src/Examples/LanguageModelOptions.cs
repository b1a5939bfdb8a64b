using System.CommandLine;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using Microsoft.ML.ArchitectureSearch.Training.LanguageModel;

namespace Microsoft.ML.ArchitectureSearch.Examples;

/// <summary>
/// The language model's size and epoch length, shared by ptb and bench/Experiments' ptb-final (linked source) so a
/// searched cell and its final training see the same model.
/// </summary>
internal sealed class LanguageModelOptions
{
    private readonly Option<int> _leaves = CommonOptions.Count("--leaves", "Leaves of the recurrent cell's tree.", 4);
    private readonly Option<int> _hidden = CommonOptions.Count("--hidden", "Embedding and hidden size.", 200);
    private readonly Option<int> _layers = CommonOptions.Layers("Recurrent layers.", 2);
    private readonly Option<int?> _stepsPerEpoch = CommonOptions.OptionalCount("--steps-per-epoch", "Training steps per epoch at most (default: whole epochs).");
    private readonly Option<int?> _enasNodes = CommonOptions.OptionalCount("--enas-nodes",
        "Search ENAS's DAG cell of this many nodes (Pham et al. 2018; 12 in the paper) instead of Zoph & Le's tree cell; needed by --weight-sharing.");

    private readonly Option<string?> _training = CommonOptions.ExistingFile("--training",
        "LanguageModelTrainingOptions as JSON (camelCase members; those left out keep their defaults); --steps-per-epoch applies on top.");
    private readonly Option<bool?> _tieWeights = new("--tie-weights")
    {
        Description = "Share the embedding with the decoder: true or false (default: the space's default).", HelpName = "true|false",
    };

    public LanguageModelOptions(System.CommandLine.Command command)
    {
        foreach (Option option in new Option[] { _leaves, _hidden, _layers, _stepsPerEpoch, _enasNodes, _training, _tieWeights })
            command.Options.Add(option);
    }

    /// <summary>The model size options over <paramref name="shape"/>.</summary>
    public RecurrentCellSearchSpaceOptions CellShape(RecurrentCellSearchSpaceOptions shape, ParseResult parse)
    {
        int hidden = parse.GetValue(_hidden);
        shape = shape with { Leaves = parse.GetValue(_leaves), EmbeddingSize = hidden, HiddenSize = hidden, Layers = parse.GetValue(_layers) };
        shape = parse.GetValue(_tieWeights) is { } tie ? shape with { TieWeights = tie } : shape;
        return parse.GetValue(_enasNodes) is { } nodes ? shape with { Cell = RecurrentCellKind.EnasDag, Nodes = nodes } : shape;
    }

    /// <summary>
    /// The training options: --training's file in place of <paramref name="training"/> (keeping its device), then
    /// --steps-per-epoch capping an epoch.
    /// </summary>
    public LanguageModelTrainingOptions Training(LanguageModelTrainingOptions training, ParseResult parse)
    {
        if (parse.ReadJson<LanguageModelTrainingOptions>(_training) is { } file)
            training = file with { Device = file.Device ?? training.Device };
        return parse.GetValue(_stepsPerEpoch) is { } steps ? training with { MaxStepsPerEpoch = steps } : training;
    }
}
