using Microsoft.ML.ArchitectureSearch.Objectives;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.Training;

namespace Microsoft.ML.ArchitectureSearch.Execution;

/// <summary>How a search runs (as opposed to what it searches).</summary>
internal sealed record SearchRunOptions
{
    public SearchBudget Budget { get; init; } = new();

    /// <summary>Epochs each child trains during the search.</summary>
    public int TrialEpochs { get; init; } = 1;

    /// <summary>
    /// Architectures trained first, before the strategy proposes anything (trials 0.., batch 0), marked
    /// <see cref="TrialRecord.Reference"/>; they count toward <see cref="SearchBudget.MaxTrials"/>. Empty: none.
    /// </summary>
    public IReadOnlyList<ReferenceArchitecture> InitialArchitectures { get; init; } = Array.Empty<ReferenceArchitecture>();

    /// <summary>What a child's reward is: the trainer's reward alone (default) or times a cost factor (MnasNet).</summary>
    public SearchObjective Objective { get; init; } = new();

    /// <summary>Root of all randomness: child seeds derive from it and the trial index.</summary>
    public int Seed { get; init; }

    /// <summary>Reuse the result of an architecture trained earlier in the search instead of training it again.</summary>
    public bool ReuseDuplicateResults { get; init; } = true;

    /// <summary>
    /// Children trained at the same time. Each gets an equal share of the cores (libtorch's intra-op threads are set to
    /// cores / parallelism). Every random draw of a child comes from its own generators, seeded by its trial seed, so a
    /// language-model child gets exactly its Parallelism = 1 result (tested). CNN children were measured to differ in
    /// the last bits between Parallelism 1 and 2 for the same architecture and seed; the likely cause, not yet
    /// confirmed, is the intra-op thread count, which changes libtorch's reduction order.
    /// </summary>
    public int Parallelism { get; init; } = 1;

    /// <summary>Where to keep the run durably so that a later run with the same options resumes it; null: no checkpoint.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>
    /// Text naming the data and task the children train on (e.g. a digest of the training data). Stored in the checkpoint;
    /// resuming with a different one is an error.
    /// </summary>
    public string DataFingerprint { get; init; } = "";

    /// <summary>What training an architecture is expected to hold, checked against <see cref="SearchBudget.MaxMemoryBytes"/>; null: not checked.</summary>
    public Func<IArchitecture, TrainingMemoryEstimate>? MemoryEstimate { get; init; }

    /// <summary>Receives a report after every proposal handled (including ones restored from a checkpoint).</summary>
    public IProgress<SearchProgress>? Progress { get; init; }

    /// <summary>
    /// Optional early stopping of poor children: asked after each epoch of a child with (trial index, epoch, validation
    /// metric); false stops that child. See <see cref="MedianStoppingRule"/>.
    /// </summary>
    public IEarlyStoppingRule? EarlyStopping { get; init; }
}
