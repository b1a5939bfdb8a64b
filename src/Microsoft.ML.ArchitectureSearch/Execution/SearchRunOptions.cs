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
    /// Children trained at the same time, each on its own thread with <see cref="ThreadsPerChild"/> libtorch threads.
    /// Every random draw of a child comes from its own generators, seeded by its trial seed, so the other children
    /// beside it do not change its result (tested with CIFAR-10 and PTB children).
    /// </summary>
    public int Parallelism { get; init; } = 1;

    /// <summary>
    /// libtorch intra-op threads each child trains with (<see cref="IntraOpThreads"/>); null: the caller's count
    /// (OMP_NUM_THREADS, else the cores) divided by <see cref="Parallelism"/>, at least 1. A child's result depends on
    /// its architecture, its seed and this count alone: the same three give the same result bit for bit, whatever
    /// <see cref="Parallelism"/> is and wherever the child trains.
    /// </summary>
    public int? ThreadsPerChild { get; init; }

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
