using System.Globalization;
using Microsoft.ML.ArchitectureSearch.Training;

namespace Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;

/// <summary>
/// The winner's final training inside <see cref="ArchitectureSearchOptions.CheckpointDirectory"/>: its trainer saves
/// every epoch's end to <see cref="FileName"/> (<see cref="ChildTrainingSettings.EpochCheckpointPath"/>), so that a Fit
/// killed during the final training and run again resumes after the last finished epoch, as its search resumes from
/// the rest of the folder. The file lives only while a final training is unfinished: Fit removes it once the model is
/// made, so a later Fit on the folder (a longer search, another winner) starts its final training afresh.
/// </summary>
internal static class FinalTrainingCheckpoint
{
    public const string FileName = "final-training.checkpoint";

    /// <summary>
    /// The final training's settings: <paramref name="epochs"/> from <paramref name="seed"/>, each epoch's end logged and,
    /// with a <paramref name="checkpointDirectory"/>, saved there (a saved training is resumed, and the log says so).
    /// </summary>
    public static ChildTrainingSettings Settings(int epochs, int seed, string? checkpointDirectory, ISearchLog log)
    {
        string? path = null;
        if (checkpointDirectory is not null)
        {
            Directory.CreateDirectory(checkpointDirectory); // a FixedArchitecture fit has not made it
            path = Path.Combine(checkpointDirectory, FileName);
            if (File.Exists(path))
                log.Info($"Final training: resuming from {path} after its last saved epoch.");
        }

        return new ChildTrainingSettings
        {
            Epochs = epochs,
            Seed = seed,
            EpochCheckpointPath = path,
            ContinueAfterEpoch = (epoch, metric) =>
            {
                log.Info(string.Create(CultureInfo.InvariantCulture, $"Final training: epoch {epoch + 1} of {epochs} done, validation metric {metric:0.####}."));
                return true;
            },
        };
    }

    /// <summary>Removes the finished final training's file (nothing without a folder).</summary>
    public static void Remove(string? checkpointDirectory)
    {
        if (checkpointDirectory is not null)
            File.Delete(Path.Combine(checkpointDirectory, FileName));
    }
}
