using System.Diagnostics;

namespace Microsoft.ML.ArchitectureSearch.Training.Cnn;

/// <summary>
/// What a CNN child's training has measured so far. A training resumed from an epoch checkpoint
/// (<see cref="CnnEpochCheckpoint"/>) starts from the saved measurements, and the times of the runs before it count.
/// </summary>
internal sealed class CnnTrainingProgress
{
    private readonly Stopwatch wall = Stopwatch.StartNew();

    public List<double> ValidationAccuracy { get; } = new();

    public List<double> TrainLoss { get; } = new();

    public int EpochsDone => ValidationAccuracy.Count;

    public double? TestAccuracy { get; set; }

    /// <summary>Time in training steps in this run (for images per second).</summary>
    public Stopwatch TrainingTime { get; } = new();

    public long TrainingExamples { get; set; }

    /// <summary>Time in training steps, and in the whole training, in the runs before a resume.</summary>
    public TimeSpan EarlierTrainingTime { get; set; }

    public TimeSpan EarlierWallTime { get; set; }

    /// <summary>Time in training steps over every run.</summary>
    public TimeSpan TotalTrainingTime => EarlierTrainingTime + TrainingTime.Elapsed;

    /// <summary>The whole training's wall time over every run (what <see cref="ChildTrainingSettings.TimeLimit"/> limits).</summary>
    public TimeSpan WallTime => EarlierWallTime + wall.Elapsed;
}
