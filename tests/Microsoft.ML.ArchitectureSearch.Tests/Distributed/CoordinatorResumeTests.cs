using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Data.Analysis;
using Microsoft.ML.ArchitectureSearch.Tests.Pipeline;
using Xunit.Abstractions;

namespace Microsoft.ML.ArchitectureSearch.Tests.Distributed;

/// <summary>
/// A coordinator process (src/Examples cifar10 --orleans --checkpoint) SIGKILLed while its worker trains the second
/// child; the worker finishes that child with nobody to send it to. The coordinator started again resumes from its
/// checkpoint and gets that child's result from the worker instead of having it trained again.
/// </summary>
[Collection(RunsAloneCollection.Name)]
public sealed partial class CoordinatorResumeTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("archsearch-orleans-resume-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task AResumedCoordinatorReusesTheResultItsKilledPredecessorsWorkerFinishedInsteadOfTrainingItAgain()
    {
        using ExamplesProcess worker = ExamplesProcess.Start("worker", null, Path.Combine(_root, "cache"), out _);
        await worker.WaitForLineAsync("worker ready", TimeSpan.FromSeconds(90));

        using (ExamplesProcess killed = Coordinator("first coordinator", worker.GatewayPort))
        {
            await worker.WaitForLines("training child", 2, TimeSpan.FromSeconds(120));
            killed.Kill();
            output.WriteLine(killed.Output);
        }
        // The orphaned child still trains to its end on the worker.
        await worker.WaitForLines("trained child", 2, TimeSpan.FromSeconds(120));

        using ExamplesProcess resumed = Coordinator("resumed coordinator", worker.GatewayPort);
        Assert.Equal(0, await resumed.WaitForExitAsync(TimeSpan.FromSeconds(180)));
        output.WriteLine(resumed.Output);
        output.WriteLine(worker.Output);

        // Three children, each trained once: the first was in the checkpoint, the second came back from the worker.
        Assert.Equal(3, worker.Lines("training child").Length);
        Assert.Single(worker.Lines("its result is reused"));
        DataFrame history = DataFrame.LoadCsv(Path.Combine(_root, "out", "report", "history.csv"));
        Assert.Equal(new[] { "Trained", "Trained", "Trained" }, ((StringDataFrameColumn)history["Kind"]).ToArray());
        // The reused child (the second) has in the resumed search the reward the worker reported when it finished it.
        string finished = RewardInWorkerLine().Match(worker.Lines("trained child")[1]).Groups[1].Value;
        Assert.Equal(finished, Convert.ToDouble(history["Reward"][1], CultureInfo.InvariantCulture).ToString("0.####", CultureInfo.InvariantCulture));
    }

    /// <summary>The same search each time: its checkpoint folder makes a second run resume the first.</summary>
    private ExamplesProcess Coordinator(string name, int gatewayPort) => ExamplesProcess.StartCommand(name,
        "cifar10", "--data-dir", Path.Combine(PipelineTestData.TestDataDirectory, "cifar10"), "--train-size", "400", "--test-size", "50",
        "--layers", "2", "--strategy", "random", "--trials", "3", "--trial-epochs", "1", "--final-epochs", "1", "--no-references",
        "--seed", "3", "--parallelism", "1", "--orleans", gatewayPort.ToString(), "--checkpoint", Path.Combine(_root, "checkpoint"),
        "--out", Path.Combine(_root, "out"), "--images", Path.Combine(_root, "no-images"));

    [GeneratedRegex(@"reward ([0-9.]+)")]
    private static partial Regex RewardInWorkerLine();
}
