using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Objectives;
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

    /// <summary>Channels of each image (3 for RGB); the feature vector holds ImageChannels x ImageHeight x ImageWidth values.</summary>
    public int ImageChannels { get; set; } = 3;

    /// <summary>Height of each image in pixels.</summary>
    public int ImageHeight { get; set; } = 32;

    /// <summary>Width of each image in pixels.</summary>
    public int ImageWidth { get; set; } = 32;

    /// <summary>How candidates are proposed.</summary>
    public SearchStrategy Strategy { get; set; } = SearchStrategy.Reinforce;

    /// <summary>
    /// How many child networks the search trains at most. With <see cref="WeightSharing"/>: how many children the
    /// strategy proposes, scores on shared weights and learns from after each shared epoch.
    /// </summary>
    public int MaxTrials { get; set; } = 20;

    /// <summary>Stop proposing new trials after this time; null: no limit (MaxTrials decides).</summary>
    public TimeSpan? MaxSearchTime { get; set; }

    /// <summary>
    /// Weight sharing (ENAS, Pham et al. 2018): instead of training every child separately, train one network that
    /// holds the weights of every child of the CNN space and score children on it, a validation mini-batch each, so the
    /// strategy gets hundreds of rewards where separate training gives a dozen. <see cref="SharedEpochs"/> times, the
    /// shared weights train for a pass over the search's training rows (each mini-batch through a freshly sampled
    /// child), then the strategy proposes and learns from <see cref="MaxTrials"/> scored children; at the end ten
    /// children are sampled, scored on every validation row, and the best is retrained from scratch with the normal
    /// final training. <see cref="SearchStrategy.Reinforce"/> is ENAS, <see cref="SearchStrategy.Random"/> samples
    /// uniformly from the same shared network (Li &amp; Talwalkar's baseline), <see cref="SearchStrategy.Evolution"/>
    /// evolves on shared-weight fitness. The controller then learns with ENAS's settings,
    /// <see cref="ReinforceOptions.ForWeightSharing"/> (a faster learning rate, tanh-bounded logits, a skip penalty),
    /// unless <see cref="Reinforce"/> is set: Zoph &amp; Le's defaults are for a dozen separately trained children and
    /// barely move on shared-weight rewards. Every scored child is a trial of the history. Shared weights can rank
    /// architectures poorly (Yu et al. 2020), which is why the random baseline runs behind the same switch.
    /// False (the default): children are trained separately, the seed's method. Image classification, and language
    /// modeling in the ENAS cell space (<see cref="RecurrentCellSearchSpaceOptions.Cell"/> = EnasDag) only;
    /// with <see cref="CheckpointDirectory"/> the shared weights, the strategy and the schedule are saved after every
    /// shared epoch and a resumed search reruns the unfinished epoch to the same result. Not yet with
    /// <see cref="Parallelism"/> above 1, <see cref="EarlyStopping"/>,
    /// <see cref="TrialTimeLimit"/> or <see cref="MaxParametersPerChild"/> (refused, not ignored). An
    /// <see cref="Objective"/> whose cost is latency times each sampled architecture once, as a network of its own built
    /// for the timing. The <see cref="InitialArchitectures"/> are scored on the shared weights beside
    /// the final candidates (they neither train the shared weights nor teach the strategy).
    /// <see cref="TrialEpochs"/> and <see cref="ReuseDuplicateResults"/> do not apply (a child is scored, not trained).
    /// </summary>
    public bool WeightSharing { get; set; }

    /// <summary>With <see cref="WeightSharing"/>: passes of the shared network over the search's training rows.</summary>
    public int SharedEpochs { get; set; } = 5;

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
    /// Skip the search and train this architecture for <see cref="FinalEpochs"/>, exactly as the best child of a search
    /// would be: for hand-designed baselines and for retraining an architecture found earlier. The JSON is the one
    /// architecture document of this library: <see cref="SearchedArchitecture.Json"/> of a fitted transformer, a search
    /// report's best-architecture.json, or a hand-written document of the same form (the space's settings may be left
    /// out). Null: search.
    /// <para>
    /// Which space it is read into: for image classification, a document that carries its space's "settings" is
    /// trained in that space (its layer count, filter lists, downsampling stages; see
    /// <see cref="CnnSearchSpaceOptions.ReductionAfterLayers"/>), with the input shape and class count of the data, so
    /// <see cref="ConvolutionalSpace"/> does not have to match it; a document without settings must be a member of
    /// <see cref="ConvolutionalSpace"/>. For language modeling the cell must always be a member of
    /// <see cref="RecurrentCellSpace"/>.
    /// </para>
    /// </summary>
    public string? FixedArchitecture { get; set; }

    /// <summary>
    /// Architectures the search trains first, before its strategy proposes any: architecture JSON documents of the form
    /// <see cref="FixedArchitecture"/> takes, each a member of the search space (read as
    /// <see cref="FixedArchitecture"/> reads a document without settings). Null (the default): the space's
    /// hand-designed references that are members of it: in the CNN space the plain and dense 3x3 stacks of 64 filters
    /// (and the airbench-like network in a space with its settings), in the 8-leaf recurrent-cell space a cell that
    /// computes an LSTM and Zoph &amp; Le's published PTB cell. Empty: none, the search starts from nothing.
    /// <para>
    /// They count toward <see cref="MaxTrials"/>, are marked in <see cref="TrialRecord.Reference"/>, the history and the
    /// report, and compete for the best architecture, so a search returns nothing worse than them (on the validation
    /// rows). Evolution seeds its population with them; Random ignores them; Reinforce keeps them out of its policy
    /// gradient and baseline, which are defined over the controller's own samples. With <see cref="WeightSharing"/>
    /// they are not trained: they are scored on the shared weights with the final candidates, on every validation row,
    /// and win when they score best there (shared weights rank poorly, so this guards less than separate training).
    /// </para>
    /// </summary>
    public IReadOnlyList<string>? InitialArchitectures { get; set; }

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

    /// <summary>
    /// Options of <see cref="SearchStrategy.Reinforce"/> (the controller RNN and its REINFORCE training). Null (the
    /// default): the settings made for the search's mode, Zoph &amp; Le's (<c>new ReinforceOptions()</c>) when children are
    /// trained separately, ENAS's (<see cref="ReinforceOptions.ForWeightSharing"/>) with <see cref="WeightSharing"/>.
    /// To change one setting, start from those: <c>ReinforceOptions.ForWeightSharing with { LearningRate = 0.005 }</c>.
    /// </summary>
    public ReinforceOptions? Reinforce { get; set; }

    /// <summary>The controller settings the search uses: <see cref="Reinforce"/>, or its mode's when null.</summary>
    internal ReinforceOptions EffectiveReinforce => Reinforce ?? (WeightSharing ? ReinforceOptions.ForWeightSharing : SeparateTrainingReinforce);

    private static readonly ReinforceOptions SeparateTrainingReinforce = new();

    /// <summary>Options of <see cref="SearchStrategy.Evolution"/>.</summary>
    public EvolutionOptions Evolution { get; set; } = new();

    /// <summary>
    /// What the search maximises: the task's reward alone (the default, Zoph &amp; Le), or MnasNet's reward under a cost:
    /// reward x (cost / target)^w with cost = parameters, multiply-adds or measured inference latency (milliseconds per
    /// image or token). Each trial's cost is in <see cref="TrialRecord.Cost"/>; the report plots the validation metric
    /// against it with the Pareto front. With <see cref="WeightSharing"/>: parameters or multiply-adds.
    /// </summary>
    public SearchObjective Objective { get; set; } = new();

    /// <summary>
    /// Children trained at the same time, each on its own thread with <see cref="ThreadsPerChild"/> libtorch threads.
    /// Each child draws all its randomness from generators seeded by its trial seed, so the children beside it do not
    /// change its result. With the Random strategy a child starts as soon as another finishes; Reinforce and Evolution,
    /// whose proposals depend on results, train batches of Parallelism children and learn from each before the next.
    /// </summary>
    public int Parallelism { get; set; } = 1;

    /// <summary>
    /// libtorch intra-op threads each child trains with. Null (the default): the process's libtorch thread count
    /// (OMP_NUM_THREADS when set, else the cores) divided by <see cref="Parallelism"/>, at least 1. On CPU a child's
    /// result depends on its architecture, its seed (the search's seed and the trial's index) and this count: libtorch
    /// splits a convolution's sums over its threads, so another count changes the result in the last bits. Set it
    /// (e.g. to 1) to get the same children at every <see cref="Parallelism"/>; by default Parallelism 1 and 2 give
    /// different counts on a multi-core machine. The final training of the winner uses the process's count.
    /// </summary>
    public int? ThreadsPerChild { get; set; }

    /// <summary>Stop poor children early with the median stopping rule (needs <see cref="TrialEpochs"/> above 1 to matter).</summary>
    public bool EarlyStopping { get; set; }

    /// <summary>Children with more parameters are rejected before training; null: no limit.</summary>
    public long? MaxParametersPerChild { get; set; }

    /// <summary>
    /// Bytes a child's training may be expected to hold (its parameters, gradients and optimizer state, and the maps
    /// kept for the backward pass at the batch size), estimated before the child is built. A child over it is rejected
    /// and logged like other screened children; a <see cref="FixedArchitecture"/> over it is refused with an
    /// <see cref="ArgumentException"/>. Null (the default): half of the memory this process may use (physical memory, or
    /// the container's limit), shared among the <see cref="Parallelism"/> children that train at once.
    /// </summary>
    public long? MaxMemoryPerChild { get; set; }

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
    /// The recurrent-cell search space and language-model size (language modeling). Defaults: Zoph &amp; Le's tree cell
    /// with 8 leaves (<see cref="RecurrentCellSearchSpaceOptions.Cell"/> picks ENAS's DAG cell instead), the "small" PTB
    /// configuration (200-unit embedding and hidden state, 2 layers). The vocabulary size is taken from the data.
    /// </summary>
    public RecurrentCellSearchSpaceOptions RecurrentCellSpace { get; set; } = new();

    /// <summary>How language-model children are trained (batch 20, BPTT 35, SGD with clipping, decay on plateau).</summary>
    public LanguageModelTrainingOptions LanguageModelTraining { get; set; } = new();

    /// <summary>TorchSharp device: "auto" (CUDA when available, else CPU), "cpu", "cuda" or "cuda:N".</summary>
    public string Device { get; set; } = "auto";

    /// <summary>
    /// How glibc's malloc, which holds libtorch's feature maps, is set up for this process: <see cref="NativeAllocatorTuning.None"/>
    /// (default: glibc as the environment configures it), <see cref="NativeAllocatorTuning.Speed"/> (freed memory kept for
    /// the next batch: faster, but the resident size can grow without bound in long trainings) or
    /// <see cref="NativeAllocatorTuning.Memory"/> (feature maps handed back as soon as they are freed: a full-data search's
    /// peak 1.60 -> 0.90 GB, 15-30% more CPU time). Process-wide, applied at the first Fit that asks for it and kept after
    /// it; a later Fit asking for the other setting is told in the log that it cannot change it. No effect where glibc is
    /// not the C library. The default stays None because both settings cost something every user would notice (time or
    /// memory) and neither is needed on a machine with a few GB to spare (docs/cpu-training.md).
    /// </summary>
    public NativeAllocatorTuning NativeAllocatorTuning { get; set; } = NativeAllocatorTuning.None;

    /// <summary>
    /// Folder where the search keeps its state so an interrupted search can resume; null: none. A search holds the folder
    /// exclusively while it runs (an operating-system file lock, released when its process ends in any way): a second
    /// search on the same folder is refused at once with an <see cref="IOException"/>. A folder whose files are missing,
    /// damaged or inconsistent is refused with an <see cref="InvalidDataException"/> naming the file; every resume decision
    /// is written to <c>mlContext.Log</c>. The final training of the winner (or of <see cref="FixedArchitecture"/>) saves
    /// its state there after every epoch (final-training.checkpoint: weights, optimizer, generators, history), so that a
    /// Fit killed during it and run again resumes after the last finished epoch and ends with the same model; the file is
    /// removed once the model is made. A file of another final training (the rerun picked another winner, or other
    /// options) is refused with an <see cref="InvalidDataException"/>: delete it to start that training afresh.
    /// </summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>Output column of class probabilities (image classification).</summary>
    public string ScoreColumnName { get; set; } = "Score";

    /// <summary>Output column of the predicted key (image classification).</summary>
    public string PredictedLabelColumnName { get; set; } = "PredictedLabel";

    /// <summary>Output column of each sentence's perplexity (language modeling).</summary>
    public string PerplexityColumnName { get; set; } = "Perplexity";

    /// <summary>Output column of the most probable word after each sentence (language modeling).</summary>
    public string PredictedNextWordColumnName { get; set; } = "PredictedNextWord";

    /// <summary>
    /// Where children train when not in this process: set by a distributed package (e.g. Microsoft.ML.ArchitectureSearch.Orleans'
    /// <c>UseOrleansCluster</c>); null trains them here. <see cref="Parallelism"/> is then the number of children in flight at once.
    /// </summary>
    internal Execution.Distribution.IChildTrainingSite? TrainingSite { get; set; }

    /// <summary>
    /// A copy that shares nothing a caller can still change: the nested option records are immutable except for their
    /// lists, which are copied, so editing the caller's options or lists later leaves the estimator unaffected. (The
    /// validation data, progress sink and token are shared on purpose: they are the caller's objects.)
    /// </summary>
    internal ArchitectureSearchOptions Clone()
    {
        var copy = (ArchitectureSearchOptions)MemberwiseClone();
        copy.ConvolutionalSpace = ConvolutionalSpace.Copy();
        copy.RecurrentCellSpace = RecurrentCellSpace.Copy();
        copy.InitialArchitectures = InitialArchitectures?.ToArray();
        return copy;
    }

    /// <summary>Throws an <see cref="ArgumentOutOfRangeException"/> naming the first option that is out of range.</summary>
    internal void Validate()
    {
        Require(Enum.IsDefined(Task), nameof(Task), "is not a known task");
        Require(Enum.IsDefined(NativeAllocatorTuning), nameof(NativeAllocatorTuning), "is not a known setting (None, Speed or Memory)");
        Require(!string.IsNullOrWhiteSpace(FeatureColumnName), nameof(FeatureColumnName), "must name a column");
        Require(ImageChannels > 0, nameof(ImageChannels), "must be positive");
        Require(ImageHeight > 0, nameof(ImageHeight), "must be positive");
        Require(ImageWidth > 0, nameof(ImageWidth), "must be positive");
        Require((long)ImageChannels * ImageHeight * ImageWidth <= int.MaxValue, nameof(ImageChannels), "x ImageHeight x ImageWidth is too large");
        Require(MaxTrials > 0, nameof(MaxTrials), "must be positive");
        Require(MaxSearchTime == null || MaxSearchTime > TimeSpan.Zero, nameof(MaxSearchTime), "must be positive or null");
        Require(TrialEpochs > 0, nameof(TrialEpochs), "must be positive");
        Require(FinalEpochs > 0, nameof(FinalEpochs), "must be positive");
        Require(SearchTrainingRows == null || SearchTrainingRows > 0, nameof(SearchTrainingRows), "must be positive or null");
        Require(FixedArchitecture == null || !string.IsNullOrWhiteSpace(FixedArchitecture), nameof(FixedArchitecture), "must be architecture JSON or null");
        Require(InitialArchitectures == null || InitialArchitectures.All(json => !string.IsNullOrWhiteSpace(json)), nameof(InitialArchitectures), "must hold architecture JSON documents (or be null for the space's references)");
        Require(BatchSize == null || BatchSize > 0, nameof(BatchSize), "must be positive or null");
        Require(ValidationFraction > 0 && ValidationFraction < 1, nameof(ValidationFraction), "must be between 0 and 1 (exclusive)");
        Require(ConvolutionalSpace != null, nameof(ConvolutionalSpace), "must not be null");
        Require(RecurrentCellSpace != null, nameof(RecurrentCellSpace), "must not be null");
        Require(LanguageModelTraining != null, nameof(LanguageModelTraining), "must not be null");
        Require(ImageTraining != null, nameof(ImageTraining), "must not be null");
        Require(Evolution != null, nameof(Evolution), "must not be null");
        Require(Objective != null, nameof(Objective), "must not be null");
        try
        {
            Objective!.Validate();
        }
        catch (ArgumentException e)
        {
            Require(false, nameof(Objective), "is invalid: " + e.Message.Split(" (Parameter")[0]);
        }
        Require(Parallelism > 0, nameof(Parallelism), "must be positive");
        Require(ThreadsPerChild == null || ThreadsPerChild > 0, nameof(ThreadsPerChild), "must be positive or null");
        Require(MaxParametersPerChild == null || MaxParametersPerChild > 0, nameof(MaxParametersPerChild), "must be positive or null");
        Require(TrialTimeLimit == null || TrialTimeLimit > TimeSpan.Zero, nameof(TrialTimeLimit), "must be positive or null");
        Require(MaxMemoryPerChild == null || MaxMemoryPerChild > 0, nameof(MaxMemoryPerChild), "must be positive or null");
        Require(SharedEpochs > 0, nameof(SharedEpochs), "must be positive");
        if (TrainingSite != null)
        {
            const string Remote = "is not supported when children train on other machines yet";
            RequireSupported(!WeightSharing, nameof(WeightSharing), Remote + " (one shared network trains in this process); set it to false");
            RequireSupported(!EarlyStopping, nameof(EarlyStopping), Remote + " (the stopping rule runs in this process); set it to false");
            RequireSupported(Objective == null || Objective.Cost != ObjectiveCost.Latency, nameof(Objective),
                Remote + " with Cost Latency (latency would be timed on whichever machine trained the child); use Parameters or MultiplyAdds");
        }
        if (WeightSharing)
        {
            const string NotYet = "is not supported with WeightSharing yet";
            RequireSupported(Parallelism == 1, nameof(Parallelism), NotYet + " (one shared network trains); set it to 1");
            RequireSupported(ThreadsPerChild == null, nameof(ThreadsPerChild), NotYet + " (one shared network trains with the process's threads); leave it null");
            RequireSupported(!EarlyStopping, nameof(EarlyStopping), NotYet + " (children are scored, not trained); set it to false");
            RequireSupported(TrialTimeLimit == null, nameof(TrialTimeLimit), NotYet + " (children are scored, not trained); leave it null");
            RequireSupported(MaxParametersPerChild == null, nameof(MaxParametersPerChild), NotYet + "; use " +
                (Task == ArchitectureSearchTask.LanguageModeling ? nameof(RecurrentCellSpace) : nameof(ConvolutionalSpace)) + ".MaxParameters");
            RequireSupported(FixedArchitecture == null, nameof(FixedArchitecture), "skips the search, so WeightSharing has nothing to do; set one of them only");
        }
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming an option whose value this version cannot honour.</summary>
    internal static void RequireSupported(bool ok, string name, string rule)
    {
        if (!ok)
            throw new ArgumentException($"ArchitectureSearchOptions.{name} {rule}.", nameof(ArchitectureSearchOptions) + "." + name);
    }

    /// <summary><see cref="MaxMemoryPerChild"/>, or its default: half the memory available to the process per parallel child.</summary>
    internal long EffectiveMaxMemoryPerChild => MaxMemoryPerChild ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2 / Parallelism;

    /// <summary>Throws the exception <see cref="Validate"/> throws when <paramref name="ok"/> is false.</summary>
    internal static void Require(bool ok, string name, string rule)
    {
        if (!ok)
            throw new ArgumentOutOfRangeException(nameof(ArchitectureSearchOptions) + "." + name, $"ArchitectureSearchOptions.{name} {rule}.");
    }
}
