using System.Text;
using Microsoft.ML.ArchitectureSearch.Execution;

namespace Microsoft.ML.ArchitectureSearch.Tests.Execution;

/// <summary>
/// Damaged checkpoints (the cases found by probing as a user would): each either resumes to exactly the uninterrupted
/// result or is refused with the file at fault named; nothing restarts or diverges silently, and the decision is logged.
/// </summary>
public sealed class CheckpointDamageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nas-damage-").FullName;
    private readonly string _reference = Directory.CreateTempSubdirectory("nas-damage-ref-").FullName;

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        Directory.Delete(_reference, recursive: true);
    }

    private string TrialLog => Path.Combine(_dir, "trials.jsonl");

    private static IEnumerable<(int, string, double, int, TrialKind)> Rows(SearchOutcome o) =>
        o.Trials.Select(t => (t.Index, t.Hash, t.Reward, t.Seed, t.Kind));

    [Fact]
    public void DeletedTrialLogWithAStrategyStateIsRefusedAsMissing()
    {
        TinyCheckpointedSearch.Run(_dir, 5);
        File.Delete(TrialLog);
        var e = Assert.Throws<InvalidDataException>(() => TinyCheckpointedSearch.Run(_dir, 8));
        Assert.Contains("trials.jsonl", e.Message);
        Assert.Contains("is missing", e.Message);
    }

    [Fact]
    public void DeletedStrategyStateIsRefusedAsMissing()
    {
        TinyCheckpointedSearch.Run(_dir, 5);
        File.Delete(Path.Combine(_dir, "strategy.state"));
        var e = Assert.Throws<InvalidDataException>(() => TinyCheckpointedSearch.Run(_dir, 8));
        Assert.Contains("strategy.state", e.Message);
        Assert.Contains("is missing", e.Message);
    }

    [Fact]
    public void DeletedManifestIsRefusedAsMissingAndNotRecreated()
    {
        TinyCheckpointedSearch.Run(_dir, 5);
        string manifest = Path.Combine(_dir, "manifest.json");
        File.Delete(manifest);
        var e = Assert.Throws<InvalidDataException>(() => TinyCheckpointedSearch.Run(_dir, 8));
        Assert.Contains("manifest.json is missing", e.Message);
        Assert.False(File.Exists(manifest));
    }

    [Fact]
    public void ALearnedTrialsLineCutInHalfIsRefusedNotDroppedAndRerunDifferently()
    {
        TinyCheckpointedSearch.Run(_dir, 6);
        byte[] bytes = File.ReadAllBytes(TrialLog);
        int lastLineStart = Array.LastIndexOf(bytes, (byte)'\n', bytes.Length - 2) + 1;
        File.WriteAllBytes(TrialLog, bytes[..(lastLineStart + (bytes.Length - lastLineStart) / 2)]);
        long damagedLength = new FileInfo(TrialLog).Length;

        var e = Assert.Throws<InvalidDataException>(() => TinyCheckpointedSearch.Run(_dir, 8));
        Assert.Contains("trials.jsonl", e.Message);
        Assert.Contains("already learned", e.Message);
        Assert.Equal(damagedLength, new FileInfo(TrialLog).Length); // refused before touching the file
    }

    [Fact]
    public void AWholeLearnedTrialsLineRemovedIsRefusedAsLost()
    {
        TinyCheckpointedSearch.Run(_dir, 6);
        string[] lines = File.ReadAllLines(TrialLog);
        File.WriteAllLines(TrialLog, lines[..^1]);
        var e = Assert.Throws<InvalidDataException>(() => TinyCheckpointedSearch.Run(_dir, 8));
        Assert.Contains("trials.jsonl", e.Message);
        Assert.Contains("were lost", e.Message);
    }

    [Fact]
    public void ATornInFlightRecordIsDroppedLoggedAndRerunWithTheSameArchitectureAndSeed()
    {
        SearchOutcome reference = TinyCheckpointedSearch.Run(_reference, 25);
        var firstLog = new RecordingSearchLog();
        Assert.Throws<IOException>(() => TinyCheckpointedSearch.Run(_dir, 25, new FormulaTrainer { CrashOnCall = 9 }, log: firstLog));
        Assert.Contains(firstLog.Messages, m => m.Contains($"Checkpoint {_dir}: new search"));
        // Trial 8 was in flight: the kill cut its line half-way through the write.
        string inFlight = File.ReadAllLines(Path.Combine(_reference, "trials.jsonl"))[8];
        File.AppendAllText(TrialLog, inFlight[..(inFlight.Length / 2)], Encoding.UTF8);

        var log = new RecordingSearchLog();
        var trainer = new FormulaTrainer();
        SearchOutcome resumed = TinyCheckpointedSearch.Run(_dir, 25, trainer, log: log);

        Assert.Equal(Rows(reference), Rows(resumed));
        Assert.Equal(25 - 8, trainer.Trained);
        Assert.Contains(log.Messages, m => m.StartsWith("warning: ", StringComparison.Ordinal) && m.Contains("trials.jsonl") && m.Contains("torn"));
        Assert.Contains(log.Messages, m => m.Contains($"Resumed search from {_dir}: 8 trials, 8 batches learned"));
        Assert.Equal(File.ReadAllLines(Path.Combine(_reference, "trials.jsonl")).Length, File.ReadAllLines(TrialLog).Length);
    }
}
