using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.Training.Cnn;

namespace Microsoft.ML.ArchitectureSearch.Execution.Distribution;

/// <summary>The settings half of a <see cref="ChildWorkload"/> (JSON): what a worker needs besides the rows.</summary>
internal sealed record WorkloadSettings
{
    /// <summary>Which task's trainer the worker builds (its data kind, e.g. <c>ImageWorkload.DataKind</c>).</summary>
    public required string Task { get; init; }

    /// <summary>The space's fingerprint on the coordinator: the worker's rebuilt space must have the same one.</summary>
    public required string SpaceFingerprint { get; init; }

    /// <summary>The CNN space (input shape and classes filled in from the data), for image classification.</summary>
    public CnnSearchSpaceOptions? ConvolutionalSpace { get; init; }

    /// <summary>The resolved image training options, for image classification.</summary>
    public CnnTrainingOptions? ImageTraining { get; init; }
}
