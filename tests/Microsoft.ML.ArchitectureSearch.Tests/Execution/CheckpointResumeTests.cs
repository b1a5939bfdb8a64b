using System.Text;
using Microsoft.ML.ArchitectureSearch.Execution;

namespace Microsoft.ML.ArchitectureSearch.Tests.Execution;

public sealed class CheckpointResumeTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nas-ckpt-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private SearchOutcome Run(int maxTrials, FormulaTrainer? trainer = null, int seed = 11, int epochs = 3, int parallelism = 1, string data = "data-v1") =>
        TinyCheckpointedSearch.Run(_dir, maxTrials, trainer, seed, epochs, parallelism, data);

    private static IEnumerable<(int, string, double, TrialKind)> Rows(SearchOutcome o) =>
        o.Trials.Select(t => (t.Index, t.Hash, t.Reward, t.Kind));

    [Fact]
    public void ResumeAfterACrashEqualsAnUninterruptedRunAndDoesNotRetrainFinishedTrials()
    {
        SearchOutcome uninterrupted;
        string other = _dir + "-ref";
        try
        {
            var space = new TinySpace();
            using var s = new DriftingStrategy(space, 11);
            uninterrupted = new ArchitectureSearchRunner(s, new FormulaTrainer(),
                new SearchRunOptions { Budget = new SearchBudget { MaxTrials = 25 }, Seed = 11, TrialEpochs = 3, CheckpointDirectory = other, DataFingerprint = "data-v1" }).Run();
        }
        finally { Directory.Delete(other, true); }

        Assert.Throws<IOException>(() => Run(25, new FormulaTrainer { CrashOnCall = 9 }));
        var resumedTrainer = new FormulaTrainer();
        SearchOutcome resumed = Run(25, resumedTrainer);

        Assert.Equal(Rows(uninterrupted), Rows(resumed));
        Assert.Equal(25 - 8, resumedTrainer.Trained); // the 8 children finished before the crash are not retrained
    }

    [Fact]
    public void ResumeWithParallelTrialsContinuesAPartlyLoggedBatch()
    {
        SearchOutcome reference;
        string other = _dir + "-ref";
        try
        {
            var space = new TinySpace();
            using var s = new DriftingStrategy(space, 11);
            reference = new ArchitectureSearchRunner(s, new FormulaTrainer(), new SearchRunOptions
            { Budget = new SearchBudget { MaxTrials = 12 }, Seed = 11, TrialEpochs = 3, CheckpointDirectory = other, DataFingerprint = "data-v1", Parallelism = 2, ReuseDuplicateResults = false }).Run();
        }
        finally { Directory.Delete(other, true); }

        var space2 = new TinySpace();
        using (var s2 = new DriftingStrategy(space2, 11))
        {
            var crashing = new FormulaTrainer { CrashOnCall = 6 };
            var options = new SearchRunOptions { Budget = new SearchBudget { MaxTrials = 12 }, Seed = 11, TrialEpochs = 3, CheckpointDirectory = _dir, DataFingerprint = "data-v1", Parallelism = 2, ReuseDuplicateResults = false };
            Assert.ThrowsAny<Exception>(() => new ArchitectureSearchRunner(s2, crashing, options).Run());
            using var s3 = new DriftingStrategy(space2, 11);
            SearchOutcome resumed = new ArchitectureSearchRunner(s3, new FormulaTrainer(), options).Run();
            Assert.Equal(reference.Trials.Select(t => (t.Index, t.Hash, t.Reward)), resumed.Trials.Select(t => (t.Index, t.Hash, t.Reward)));
        }
    }

    [Fact]
    public void AParallelBatchWhoseLaterTrialFinishedFirstResumes()
    {
        // Trial 10 crashes while its batch-mate 11 finishes and is logged: the log holds 11 without 10.
        var options = new SearchRunOptions { Budget = new SearchBudget { MaxTrials = 14 }, Seed = 11, TrialEpochs = 3, CheckpointDirectory = _dir, DataFingerprint = "data-v1", Parallelism = 2, ReuseDuplicateResults = false };
        using (var s = new DriftingStrategy(new TinySpace(), 11))
            Assert.Throws<IOException>(() => new ArchitectureSearchRunner(s, new FormulaTrainer { CrashOnSeed = TrialSeeds.ForTrial(11, 10) }, options).Run());
        string[] logged = File.ReadAllLines(Path.Combine(_dir, "trials.jsonl"));
        Assert.Contains(logged, l => l.StartsWith("{\"Index\":11,", StringComparison.Ordinal));
        Assert.DoesNotContain(logged, l => l.StartsWith("{\"Index\":10,", StringComparison.Ordinal));

        var trainer = new FormulaTrainer();
        SearchOutcome resumed;
        using (var s = new DriftingStrategy(new TinySpace(), 11))
            resumed = new ArchitectureSearchRunner(s, trainer, options).Run();
        Assert.Equal(Enumerable.Range(0, 14), resumed.Trials.Select(t => t.Index));
        Assert.Equal(3, trainer.Trained); // 10, 12 and 13: 11 was read back
    }

    [Fact]
    public void ATornLastLineIsReportedDroppedAndRetrained()
    {
        SearchOutcome first = Run(6);
        string log = Path.Combine(_dir, "trials.jsonl");
        File.AppendAllText(log, "{\"Index\":6,\"Batch\":6,\"Kin"); // a write cut short by kill -9
        var trainer = new FormulaTrainer();
        SearchOutcome resumed = Run(8, trainer);
        Assert.Equal(Rows(first), Rows(resumed).Take(6));
        Assert.Equal(8, resumed.TrainedCount);
        Assert.Equal(2, trainer.Trained);
        Assert.DoesNotContain("\"Kin\n", File.ReadAllText(log));
    }

    [Fact]
    public void ACorruptLineInsideTheLogIsAnErrorNotSilentlyUsed()
    {
        Run(5);
        string log = Path.Combine(_dir, "trials.jsonl");
        string[] lines = File.ReadAllLines(log);
        lines[2] = lines[2].Replace("\"Reward\":", "\"Reward\":9"); // edit the content: digest no longer matches
        if (!lines[2].Contains("\"Reward\":9")) lines[2] = lines[2].Replace("Trained", "Trainee");
        File.WriteAllLines(log, lines);
        var e = Assert.Throws<InvalidDataException>(() => Run(8));
        Assert.Contains("line 3", e.Message);
        Assert.Contains("trials.jsonl", e.Message);
    }

    [Fact]
    public void ATruncatedStrategyStateIsDetected()
    {
        Run(5);
        string state = Path.Combine(_dir, "strategy.state");
        byte[] bytes = File.ReadAllBytes(state);
        File.WriteAllBytes(state, bytes[..(bytes.Length - 5)]);
        var e = Assert.Throws<InvalidDataException>(() => Run(8));
        Assert.Contains("strategy.state", e.Message);
    }

    [Fact]
    public void AFlippedByteInTheStrategyStateIsDetected()
    {
        Run(5);
        string state = Path.Combine(_dir, "strategy.state");
        byte[] bytes = File.ReadAllBytes(state);
        bytes[20] ^= 0x40;
        File.WriteAllBytes(state, bytes);
        Assert.Throws<InvalidDataException>(() => Run(8));
    }

    [Fact]
    public void ResumingWithOptionsThatChangeTheSearchIsAClearError()
    {
        Run(3);
        var e = Assert.Throws<InvalidOperationException>(() => Run(5, data: "other-data"));
        Assert.Contains("DataFingerprint", e.Message);
        e = Assert.Throws<InvalidOperationException>(() => Run(5, seed: 12));
        Assert.Contains("Seed", e.Message);
        e = Assert.Throws<InvalidOperationException>(() => Run(5, epochs: 4));
        Assert.Contains("TrialEpochs", e.Message);
    }

    [Fact]
    public void AFinishedSearchCanBeExtendedWithALargerBudget()
    {
        Run(4);
        var trainer = new FormulaTrainer();
        SearchOutcome extended = Run(7, trainer);
        Assert.Equal(7, extended.TrainedCount);
        Assert.Equal(3, trainer.Trained);
    }

    [Fact]
    public void AnInterruptedStateWriteLeavesThePreviousStateUsable()
    {
        Run(4);
        // A crash during the state write leaves only the temporary file; the real one is the previous, whole state.
        File.WriteAllText(Path.Combine(_dir, "strategy.state.tmp"), "partial");
        var trainer = new FormulaTrainer();
        SearchOutcome resumed = Run(6, trainer);
        Assert.Equal(6, resumed.TrainedCount);
        Assert.Equal(2, trainer.Trained);
    }
}
