using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using Microsoft.ML.ArchitectureSearch.Strategies;
using Microsoft.ML.ArchitectureSearch.Strategies.Reinforce;
using Microsoft.ML.ArchitectureSearch.Training.Cnn;
using Microsoft.ML.ArchitectureSearch.Training.LanguageModel;
using Microsoft.ML.Data;

namespace Microsoft.ML.ArchitectureSearch;

/// <summary>Options of <c>mlContext.Transforms.ArchitectureSearch(options)</c>.</summary>
public sealed class ArchitectureSearchOptions
{
    /// <summary>Image classification or language modeling.</summary>
    public ArchitectureSearchTask Task { get; set; } = ArchitectureSearchTask.ImageClassification;

    /// <summary>
    /// Input column: for images a known-size vector of Single (channels x height x width, planar, any scale);
    /// for language modeling a text column with one sentence per row.
    /// </summary>
    public string FeatureColumnName { get; set; } = "Features";

    /// <summary>Key-typed label column (image classification only; use MapValueToKey first).</summary>
    public string LabelColumnName { get; set; } = "Label";

    public int ImageChannels { get; set; } = 3;

    public int ImageHeight { get; set; } = 32;

    public int ImageWidth { get; set; } = 32;

    /// <summary>How candidates are proposed.</summary>
    public SearchStrategy Strategy { get; set; } = SearchStrategy.Reinforce;

    /// <summary>How many child networks the search trains at most.</summary>
    public int MaxTrials { get; set; } = 20;

    /// <summary>Stop proposing new trials after this time; null: no limit (MaxTrials decides).</summary>
    public TimeSpan? MaxSearchTime { get; set; }

    /// <summary>Training epochs of each child network during the search.</summary>
    public int TrialEpochs { get; set; } = 1;

    /// <summary>Training epochs of the best architecture after the search, on training plus validation data.</summary>
    public int FinalEpochs { get; set; } = 10;

    /// <summary>
    /// Children of the search train on the first this-many training rows only (a cheaper proxy task, as NAS methods
    /// commonly use on large data sets); the best architecture is still retrained on every row. Null: all rows.
    /// </summary>
    public int? SearchTrainingRows { get; set; }

    /// <summary>
    /// Skip the search and train this architecture (JSON in the task's search-space format, as
    /// <c>DecodeArchitecture().ToJson()</c> writes it) for <see cref="FinalEpochs"/>, exactly as the best child of a search
    /// would be: for hand-designed baselines and for retraining an architecture found earlier. Null: search.
    /// </summary>
    public string? FixedArchitecture { get; set; }

    /// <summary>Mini-batch size; null: the task's default (64 for images, 20 sequences for language modeling).</summary>
    public int? BatchSize { get; set; }

    /// <summary>Seed of every random choice; null: the MLContext's seed (or a seed drawn from it when it has none).</summary>
    public int? Seed { get; set; }

    /// <summary>
    /// Fraction of the training rows held out to score the children, used when no validation data is given (through
    /// <see cref="ValidationData"/> or <c>Fit(train, validation)</c>). Between 0 and 1, exclusive.
    /// </summary>
    public double ValidationFraction { get; set; } = 0.1;

    /// <summary>Explicit validation data with the training data's schema; overrides <see cref="ValidationFraction"/>.</summary>
    public IDataView? ValidationData { get; set; }

    /// <summary>
    /// The CNN search space (image classification): layer count and the choice lists of Zoph &amp; Le 2017 by default
    /// (6 layers; filter heights and widths 1/3/5/7; 24/36/48/64 filters; skip connections). The input shape and class
    /// count are taken from <see cref="ImageChannels"/>, <see cref="ImageHeight"/>, <see cref="ImageWidth"/> and the label.
    /// </summary>
    public CnnSearchSpaceOptions ConvolutionalSpace { get; set; } = new();

    /// <summary>How image children are trained (SGD with Nesterov momentum, cosine schedule, crop and flip augmentation).</summary>
    public CnnTrainingOptions ImageTraining { get; set; } = new();

    /// <summary>Options of <see cref="SearchStrategy.Reinforce"/> (the controller RNN and its REINFORCE training).</summary>
    public ReinforceOptions Reinforce { get; set; } = new();

    /// <summary>Options of <see cref="SearchStrategy.Evolution"/>.</summary>
    public EvolutionOptions Evolution { get; set; } = new();

    /// <summary>Children trained at the same time (each gets an equal share of the cores). 1: fully reproducible.</summary>
    public int Parallelism { get; set; } = 1;

    /// <summary>Stop poor children early with the median stopping rule (needs <see cref="TrialEpochs"/> above 1 to matter).</summary>
    public bool EarlyStopping { get; set; }

    /// <summary>Children with more parameters are rejected before training; null: no limit.</summary>
    public long? MaxParametersPerChild { get; set; }

    /// <summary>Each child's training stops after this long; null: no limit.</summary>
    public TimeSpan? TrialTimeLimit { get; set; }

    /// <summary>An architecture proposed again reuses its earlier result instead of being retrained.</summary>
    public bool ReuseDuplicateResults { get; set; } = true;

    /// <summary>Receives a report after every trial (for progress displays); not part of the model.</summary>
    public IProgress<SearchProgress>? Progress { get; set; }

    /// <summary>
    /// Cancelling stops the search cleanly: finished trials are kept (and checkpointed), and Fit goes on to retrain the
    /// best child found so far. Fit fails only when no child finished.
    /// </summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>
    /// The recurrent-cell search space and language-model size (language modeling). Defaults: 8 leaves, the "small" PTB
    /// configuration (200-unit embedding and hidden state, 2 layers). The vocabulary size is taken from the data.
    /// </summary>
    public RecurrentCellSearchSpaceOptions RecurrentCellSpace { get; set; } = new();

    /// <summary>How language-model children are trained (batch 20, BPTT 35, SGD with clipping, decay on plateau).</summary>
    public LanguageModelTrainingOptions LanguageModelTraining { get; set; } = new();

    /// <summary>TorchSharp device: "auto" (CUDA when available, else CPU), "cpu", "cuda" or "cuda:N".</summary>
    public string Device { get; set; } = "auto";

    /// <summary>Folder where the search keeps its state so an interrupted search can resume; null: none.</summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>Output column of class probabilities (image classification).</summary>
    public string ScoreColumnName { get; set; } = "Score";

    /// <summary>Output column of the predicted key (image classification).</summary>
    public string PredictedLabelColumnName { get; set; } = "PredictedLabel";

    /// <summary>Output column of each sentence's perplexity (language modeling).</summary>
    public string PerplexityColumnName { get; set; } = "Perplexity";

    /// <summary>Output column of the most probable word after each sentence (language modeling).</summary>
    public string PredictedNextWordColumnName { get; set; } = "PredictedNextWord";

    /// <summary>A copy whose nested option objects are copies too, so the estimator is unaffected by later edits.</summary>
    internal ArchitectureSearchOptions Clone()
    {
        var copy = (ArchitectureSearchOptions)MemberwiseClone();
        return copy;
    }
}
