using Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;
using Microsoft.ML.ArchitectureSearch.Strategies;
using Microsoft.ML.ArchitectureSearch.Training;

namespace Microsoft.ML.ArchitectureSearch.Execution.WeightSharing;

/// <summary>
/// Where a weight-sharing search stands between shared epochs, as one checkpoint state: the schedule position (epochs
/// done, whether the epochs are over), the per-epoch curves the report draws, the strategy's state (its controller,
/// optimizer and generator) and the shared-weight trainer's (weights, optimizer, generators, learning-rate step). The
/// strategy and trainer write their own formats; each goes in as a length-prefixed block so that a short or foreign
/// block is refused before the next one is read.
/// </summary>
internal sealed class WeightSharingState
{
    private const string Signature = "NAS-WEIGHT-SHARING-1";

    /// <summary>Shared epochs whose training and strategy phase are done.</summary>
    public int EpochsDone { get; set; }

    /// <summary>True once no further epoch runs (all done, or the time budget ran out): only the final sampling is left.</summary>
    public bool EpochsOver { get; set; }

    public List<double> SharedTrainingLoss { get; } = new();

    public List<double> MeanRewardPerEpoch { get; } = new();

    public List<double> ControllerEntropyPerEpoch { get; } = new();

    public void Write(Stream stream, ISearchStrategy strategy, ISharedWeightTrainer trainer)
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(Signature);
        writer.Write(EpochsDone);
        writer.Write(EpochsOver);
        foreach (List<double> curve in AllCurves)
        {
            writer.Write(curve.Count);
            foreach (double value in curve) writer.Write(value);
        }
        StateBlock.Write(writer, strategy.SaveState);
        StateBlock.Write(writer, trainer.SaveState);
    }

    /// <summary>Reads a state <see cref="Write"/> wrote, loading the strategy's and trainer's parts into them.</summary>
    public static WeightSharingState Read(byte[] bytes, ISearchStrategy strategy, ISharedWeightTrainer trainer)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes, writable: false));
        return Truncation(() =>
        {
            WeightSharingState state = ReadSchedule(reader);
            using (var block = new MemoryStream(StateBlock.Read(reader, "strategy"), writable: false)) strategy.LoadState(block);
            using (var block = new MemoryStream(StateBlock.Read(reader, "shared-weight trainer"), writable: false)) trainer.LoadState(block);
            return state;
        });
    }

    /// <summary>The per-epoch curves of a saved state, without loading its strategy or trainer (for reports).</summary>
    public static WeightSharingCurves ReadCurves(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes, writable: false));
        return Truncation(() => ReadSchedule(reader).Curves);
    }

    /// <summary>The curves measured so far.</summary>
    public WeightSharingCurves Curves => new(SharedTrainingLoss.ToArray(), MeanRewardPerEpoch.ToArray(), ControllerEntropyPerEpoch.ToArray());

    private static WeightSharingState ReadSchedule(BinaryReader reader)
    {
        if (reader.ReadString() != Signature)
            throw new InvalidDataException("The checkpoint's state is not a weight-sharing search's (it was written by a search that trained children separately, or by another version).");
        var state = new WeightSharingState { EpochsDone = reader.ReadInt32(), EpochsOver = reader.ReadBoolean() };
        foreach (List<double> curve in state.AllCurves)
        {
            int count = reader.ReadInt32();
            if (count < 0 || count > state.EpochsDone + 1)
                throw new InvalidDataException($"The weight-sharing state holds {count} values of a per-epoch curve after {state.EpochsDone} epochs.");
            for (int i = 0; i < count; i++) curve.Add(reader.ReadDouble());
        }
        return state;
    }

    private static T Truncation<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("The weight-sharing state is truncated.");
        }
    }

    private IEnumerable<List<double>> AllCurves => new[] { SharedTrainingLoss, MeanRewardPerEpoch, ControllerEntropyPerEpoch };
}
