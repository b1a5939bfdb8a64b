using Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;
using Microsoft.ML.ArchitectureSearch.Networks.Cnn;
using Microsoft.ML.ArchitectureSearch.Randomness;
using TorchSharp.Modules;

namespace Microsoft.ML.ArchitectureSearch.Training.Cnn;

/// <summary>
/// Saves and restores a CNN child's training at an epoch's end (<see cref="ChildTrainingSettings.EpochCheckpointPath"/>):
/// the measurements so far (<see cref="CnnTrainingProgress"/>), the weights and batch-norm statistics, the SGD momentum,
/// Lookahead's slow weights and step count, and the shuffling/augmentation generator, so that a resumed training
/// computes what the uninterrupted one would. The learning rate is not saved: the schedule gives it from the step, and
/// the step from the epochs done. The frame (<see cref="EpochCheckpointFile"/>) refuses a file of another format or of
/// another training (the identity names the architecture, the images, the seed, the epochs and every option).
/// </summary>
internal static class CnnEpochCheckpoint
{
    private static readonly EpochCheckpointFile Checkpoint = new("CNN", format: 1);

    public static void Save(string path, string identity, CnnTrainingProgress progress, ChildCnn network, SGD optimizer, Lookahead? lookahead,
        SavableRandom random) => Checkpoint.Save(path, identity, writer =>
    {
        writer.Write(progress.EpochsDone);
        EpochCheckpointFile.WriteList(writer, progress.ValidationAccuracy);
        EpochCheckpointFile.WriteList(writer, progress.TrainLoss);
        writer.Write(progress.TrainingExamples);
        writer.Write(progress.TotalTrainingTime.Ticks);
        writer.Write(progress.WallTime.Ticks);
        random.Write(writer);
        AnyLayoutNetworkState.Write(writer, network, optimizer);
        writer.Write(lookahead is not null);
        if (lookahead is not null)
        {
            StateBlock.Write(writer, block =>
            {
                using var blockWriter = new BinaryWriter(block, System.Text.Encoding.UTF8, leaveOpen: true);
                lookahead.Write(blockWriter);
            });
        }
    });

    /// <summary>
    /// Loads the file at <paramref name="path"/> into <paramref name="network"/>, <paramref name="optimizer"/>,
    /// <paramref name="lookahead"/>, <paramref name="random"/> and the empty <paramref name="progress"/>; false when
    /// there is no file. A file that ends inside the state leaves some of it loaded into a training that then fails
    /// with this error.
    /// </summary>
    public static bool Load(string path, string identity, CnnTrainingProgress progress, ChildCnn network, SGD optimizer, Lookahead? lookahead,
        SavableRandom random) => Checkpoint.Load(path, identity, reader =>
    {
        int epochs = reader.ReadInt32();
        if (epochs < 1)
            throw new InvalidDataException($"The epoch checkpoint {UserText.Quote(path)} claims {epochs} epochs done.");
        double[] accuracy = EpochCheckpointFile.ReadList(reader, epochs);
        double[] loss = EpochCheckpointFile.ReadList(reader, epochs);
        long examples = reader.ReadInt64();
        long trainingTicks = reader.ReadInt64();
        long wallTicks = reader.ReadInt64();
        if (examples < 0 || trainingTicks < 0 || wallTicks < 0)
            throw new InvalidDataException($"The epoch checkpoint {UserText.Quote(path)} holds negative counts ({examples} images, {trainingTicks} and {wallTicks} ticks).");
        random.Read(reader);
        AnyLayoutNetworkState.Read(reader, network, optimizer, "CNN");
        if (reader.ReadBoolean() != lookahead is not null)
            throw new InvalidDataException($"The epoch checkpoint {UserText.Quote(path)} {(lookahead is null ? "holds" : "lacks")} a Lookahead state.");
        if (lookahead is not null)
        {
            using var block = new MemoryStream(StateBlock.Read(reader, "Lookahead"), writable: false);
            using var blockReader = new BinaryReader(block);
            lookahead.Read(blockReader);
            if (block.Position != block.Length)
                throw new InvalidDataException($"The saved Lookahead state holds {block.Length - block.Position} bytes more than this Lookahead reads.");
        }

        progress.ValidationAccuracy.AddRange(accuracy);
        progress.TrainLoss.AddRange(loss);
        progress.TrainingExamples = examples;
        progress.EarlierTrainingTime = TimeSpan.FromTicks(trainingTicks);
        progress.EarlierWallTime = TimeSpan.FromTicks(wallTicks);
        return progress;
    }) is not null;
}
