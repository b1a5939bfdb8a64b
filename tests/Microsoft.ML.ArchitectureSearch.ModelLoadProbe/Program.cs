using Microsoft.ML;
using Microsoft.ML.ArchitectureSearch;
using Microsoft.ML.ArchitectureSearch.Tests.Pipeline;
using Microsoft.ML.Data;

// Usage: ModelLoadProbe MODEL.zip CIFAR_FILE COUNT OUTPUT.txt
//    or: ModelLoadProbe search TESTDATA_DIR CHECKPOINT_DIR SEED KILL_AFTER
//        a checkpointed search that SIGKILLs itself 20 ms after its KILL_AFTER-th trial, i.e. while the next child trains
//    or: ModelLoadProbe shared-search TESTDATA_DIR CHECKPOINT_DIR SEED
//        a checkpointed weight-sharing search that SIGKILLs itself as its second shared epoch's fourth mini-batch starts
//    or: ModelLoadProbe hold TESTDATA_DIR CHECKPOINT_DIR SEED
//        the same search, stopped for good at its first trial's report: it holds the checkpoint until it is killed
//    or: ModelLoadProbe final-fit CHECKPOINT_DIR
//        a checkpointed Fit that SIGKILLs itself as it logs the end of its final training's first epoch (saved by then)
if (args.Length == 2 && args[0] == "final-fit")
{
    Microsoft.ML.ArchitectureSearch.Tests.Execution.CrashableFit.Fit(args[1], message =>
    {
        if (message.Contains("Final training: epoch 1 of", StringComparison.Ordinal))
        {
            System.Diagnostics.Process.GetCurrentProcess().Kill();
            Thread.Sleep(Timeout.Infinite);
        }
    });
    return 0;
}
if (args.Length == 4 && args[0] == "hold")
{
    Microsoft.ML.ArchitectureSearch.Tests.Execution.CrashableSearch.Run(args[1], args[2], int.Parse(args[3]), new Hold());
    return 0;
}
if (args.Length == 4 && args[0] == "shared-search")
{
    Microsoft.ML.ArchitectureSearch.Tests.Execution.CrashableSearch.RunWithSharedWeights(args[1], args[2], int.Parse(args[3]),
        trainer => new KillDuringTraining(trainer, epoch: 1, batch: 4));
    return 0;
}
if (args.Length == 5 && args[0] == "search")
{
    int killAfter = int.Parse(args[4]);
    var progress = new KillSwitch(killAfter);
    Microsoft.ML.ArchitectureSearch.Tests.Execution.CrashableSearch.Run(args[1], args[2], int.Parse(args[3]), progress);
    return 0;
}
// Loads the model in this fresh process (nothing registered by hand), checks that the chain ends with the
// ArchitectureSearchTransformer itself, and writes its architecture and one exact prediction per image.
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: ModelLoadProbe MODEL.zip CIFAR_FILE COUNT OUTPUT.txt");
    return 2;
}
var mlContext = new MLContext(seed: 123);
ITransformer model = mlContext.Model.Load(args[0], out _);
ITransformer last = model is TransformerChain<ITransformer> chain ? chain.LastTransformer : model;
if (last is not ArchitectureSearchTransformer searched)
{
    Console.Error.WriteLine($"The model's last transformer is {last.GetType().FullName}, not ArchitectureSearchTransformer.");
    return 1;
}
using var engine = mlContext.Model.CreatePredictionEngine<CifarImage, CifarPrediction>(model);
var lines = new List<string> { searched.Architecture.Json, searched.Architecture.Hash };
foreach (CifarImage image in PipelineTestData.ReadCifar(args[1], int.Parse(args[2])))
    lines.Add(PipelineTestData.Format(engine.Predict(image)));
File.WriteAllLines(args[3], lines);
return 0;

/// <summary>Kills this process (SIGKILL: no cleanup, no flushing) shortly after the given number of trials.</summary>
internal sealed class KillSwitch(int afterTrials) : IProgress<Microsoft.ML.ArchitectureSearch.Execution.SearchProgress>
{
    public void Report(Microsoft.ML.ArchitectureSearch.Execution.SearchProgress value)
    {
        if (value.TrainedTrials == afterTrials)
            new Thread(() => { Thread.Sleep(20); System.Diagnostics.Process.GetCurrentProcess().Kill(); }) { IsBackground = true }.Start();
    }
}

/// <summary>Blocks the search forever at its first progress report, so the process keeps the checkpoint directory locked.</summary>
internal sealed class Hold : IProgress<Microsoft.ML.ArchitectureSearch.Execution.SearchProgress>
{
    public void Report(Microsoft.ML.ArchitectureSearch.Execution.SearchProgress value) => Thread.Sleep(Timeout.Infinite);
}

/// <summary>
/// The real shared-weight trainer, except that this process kills itself (SIGKILL) when the given mini-batch of the
/// given shared epoch (both 0-based epoch, 1-based batch) asks for its child: the kill falls inside a shared epoch.
/// </summary>
internal sealed class KillDuringTraining(Microsoft.ML.ArchitectureSearch.Training.ISharedWeightTrainer inner, int epoch, int batch)
    : Microsoft.ML.ArchitectureSearch.Training.ISharedWeightTrainer
{
    private int _epochs;

    public double TrainEpoch(Func<Microsoft.ML.ArchitectureSearch.SearchSpaces.IArchitecture> sampleChild, Func<bool> stop, CancellationToken cancellationToken)
    {
        int current = _epochs++, batches = 0;
        return inner.TrainEpoch(() =>
        {
            if (current == epoch && ++batches == batch)
            {
                System.Diagnostics.Process.GetCurrentProcess().Kill();
                Thread.Sleep(Timeout.Infinite); // never train past the kill
            }
            return sampleChild();
        }, stop, cancellationToken);
    }

    public Microsoft.ML.ArchitectureSearch.Training.TrialResult Score(Microsoft.ML.ArchitectureSearch.SearchSpaces.IArchitecture child, bool allValidationRows) =>
        inner.Score(child, allValidationRows);

    public double MeasureLatencyMilliseconds(Microsoft.ML.ArchitectureSearch.SearchSpaces.IArchitecture child, int runs, int? threads) =>
        inner.MeasureLatencyMilliseconds(child, runs, threads);

    public void SaveState(Stream stream) => inner.SaveState(stream);

    public void LoadState(Stream stream) => inner.LoadState(stream);

    public void Dispose() => inner.Dispose();
}
