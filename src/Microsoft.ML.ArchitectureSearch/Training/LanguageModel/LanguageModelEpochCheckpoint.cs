using Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;
using Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Training.LanguageModel;

/// <summary>Where a language model's training stands after an epoch: what the next epoch needs besides the weights.</summary>
internal sealed class LanguageModelEpochProgress
{
    public int EpochsDone { get; set; }

    /// <summary>The next training segment (epochs cut short by MaxStepsPerEpoch continue where the last one stopped).</summary>
    public int Segment { get; set; }

    public double LearningRate { get; set; }

    /// <summary>The best validation perplexity so far (a worse epoch divides the learning rate).</summary>
    public double Best { get; set; } = double.PositiveInfinity;

    public List<double> ValidationPerEpoch { get; } = new();

    public List<double> LossPerEpoch { get; } = new();

    public long TrainedTokens { get; set; }

    /// <summary>Time spent in training steps (for tokens per second) and in the whole training, before this run.</summary>
    public TimeSpan TrainTime { get; set; }

    public TimeSpan WallTime { get; set; }
}

/// <summary>
/// Saves and restores a language model's training at an epoch's end (<see cref="ChildTrainingSettings.EpochCheckpointPath"/>):
/// the progress, the weights, the Adam state, the dropout generator and the carried recurrent state, so that a resumed
/// training computes what the uninterrupted one would. Written atomically (a kill leaves the last complete epoch). The
/// file starts with the training's identity (model, corpus, seed, options); a file of another training is refused by
/// name before anything is loaded.
/// </summary>
internal static class LanguageModelEpochCheckpoint
{
    // Format 1, before the optimizer state was written as NetworkOptimizerState writes it, failed as "32,056 bytes more
    // than this language model reads" when read as format 2.
    private static readonly EpochCheckpointFile Checkpoint = new("language model", format: 2);

    public static void Save(string path, string identity, LanguageModelEpochProgress progress, WordLanguageModel model, OptimizerHelper? adam,
        Generator dropout, Tensor h, Tensor c) => Checkpoint.Save(path, identity, writer =>
    {
        writer.Write(progress.EpochsDone);
        writer.Write(progress.Segment);
        writer.Write(progress.LearningRate);
        writer.Write(progress.Best);
        EpochCheckpointFile.WriteList(writer, progress.ValidationPerEpoch);
        EpochCheckpointFile.WriteList(writer, progress.LossPerEpoch);
        writer.Write(progress.TrainedTokens);
        writer.Write(progress.TrainTime.Ticks);
        writer.Write(progress.WallTime.Ticks);
        GeneratorState.Write(writer, dropout);
        NetworkOptimizerState.Write(writer, model, adam);
        StateBlock.Write(writer, block =>
        {
            using var blockWriter = new BinaryWriter(block, System.Text.Encoding.UTF8, leaveOpen: true);
            WriteTensor(blockWriter, h);
            WriteTensor(blockWriter, c);
        });
    });

    /// <summary>
    /// Loads the file at <paramref name="path"/> into <paramref name="model"/>, <paramref name="adam"/> and
    /// <paramref name="dropout"/> and returns its progress and carried state; null when there is no file.
    /// </summary>
    public static (LanguageModelEpochProgress Progress, Tensor H, Tensor C)? Load(string path, string identity, WordLanguageModel model, OptimizerHelper? adam, Generator dropout)
    {
        var saved = Checkpoint.Load(path, identity, reader =>
        {
            var progress = new LanguageModelEpochProgress
            {
                EpochsDone = reader.ReadInt32(),
                Segment = reader.ReadInt32(),
                LearningRate = reader.ReadDouble(),
                Best = reader.ReadDouble(),
            };
            progress.ValidationPerEpoch.AddRange(EpochCheckpointFile.ReadList(reader, progress.EpochsDone));
            progress.LossPerEpoch.AddRange(EpochCheckpointFile.ReadList(reader, progress.EpochsDone));
            progress.TrainedTokens = reader.ReadInt64();
            progress.TrainTime = TimeSpan.FromTicks(reader.ReadInt64());
            progress.WallTime = TimeSpan.FromTicks(reader.ReadInt64());
            if (progress.EpochsDone < 1 || progress.Segment < 0 || !(progress.LearningRate > 0))
                throw new InvalidDataException($"The epoch checkpoint {UserText.Quote(path)} holds an impossible position (epoch {progress.EpochsDone}, segment {progress.Segment}, learning rate {progress.LearningRate}).");
            byte[] generator = GeneratorState.Read(reader, "dropout");
            // A file that ends after the weights leaves them loaded into a model whose training then fails with this
            // error; the caller disposes of that model.
            NetworkOptimizerState.Read(reader, model, adam, "language model");
            byte[] carried = StateBlock.Read(reader, "recurrent state");
            return new SavedEpoch(progress, generator, carried);
        });
        if (saved is null)
            return null;
        // Applied once the whole file has been read: a short or long file changes neither the state nor the generator.
        using var block = new BinaryReader(new MemoryStream(saved.CarriedState, writable: false));
        Tensor h = ReadTensor(block, model.Device);
        Tensor c = ReadTensor(block, model.Device);
        GeneratorState.Apply(dropout, saved.DropoutGenerator);
        return (saved.Progress, h, c);
    }

    // The carried state's shape varies (an empty tensor before the first segment, the batch of the last one), so it is
    // written with its shape rather than loaded into a tensor of a known shape.
    private static void WriteTensor(BinaryWriter writer, Tensor tensor)
    {
        writer.Write(checked((int)tensor.dim()));
        foreach (long size in tensor.shape)
            writer.Write(size);
        using Tensor values = tensor.to(ScalarType.Float32).cpu().contiguous();
        foreach (float v in values.data<float>())
            writer.Write(v);
    }

    private static Tensor ReadTensor(BinaryReader reader, Device device)
    {
        int rank = reader.ReadInt32();
        if (rank is < 1 or > 8)
            throw new InvalidDataException($"A saved recurrent state claims rank {rank}.");
        long[] shape = Enumerable.Range(0, rank).Select(_ => reader.ReadInt64()).ToArray();
        if (shape.Any(s => s < 0 || s > 1 << 24))
            throw new InvalidDataException($"A saved recurrent state claims shape [{string.Join(", ", shape)}].");
        float[] values = new float[shape.Aggregate(1L, (a, b) => a * b)];
        for (int i = 0; i < values.Length; i++)
            values[i] = reader.ReadSingle();
        using Tensor cpu = torch.tensor(values, shape);
        return cpu.to(device);
    }

    /// <summary>What a file holds before any of it is applied (the loader's result must be a class).</summary>
    private sealed record SavedEpoch(LanguageModelEpochProgress Progress, byte[] DropoutGenerator, byte[] CarriedState);
}
