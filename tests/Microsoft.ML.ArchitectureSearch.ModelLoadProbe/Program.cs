using Microsoft.ML;
using Microsoft.ML.ArchitectureSearch;
using Microsoft.ML.ArchitectureSearch.Tests.Pipeline;
using Microsoft.ML.Data;

// Usage: ModelLoadProbe MODEL.zip CIFAR_FILE COUNT OUTPUT.txt
//    or: ModelLoadProbe search TESTDATA_DIR CHECKPOINT_DIR SEED KILL_AFTER
//        a checkpointed search that SIGKILLs itself 20 ms after its KILL_AFTER-th trial, i.e. while the next child trains
//    or: ModelLoadProbe shared-search TESTDATA_DIR CHECKPOINT_DIR SEED
//        a checkpointed weight-sharing search that SIGKILLs itself 30 ms after its first checkpoint state appears, i.e.
//        while the second shared epoch trains
//    or: ModelLoadProbe hold TESTDATA_DIR CHECKPOINT_DIR SEED
//        the same search, stopped for good at its first trial's report: it holds the checkpoint until it is killed
if (args.Length == 4 && args[0] == "hold")
{
    Microsoft.ML.ArchitectureSearch.Tests.Execution.CrashableSearch.Run(args[1], args[2], int.Parse(args[3]), new Hold());
    return 0;
}
if (args.Length == 4 && args[0] == "shared-search")
{
    KillSwitch.AfterFileAppears(Path.Combine(args[2], "strategy.state"), TimeSpan.FromMilliseconds(30));
    Microsoft.ML.ArchitectureSearch.Tests.Execution.CrashableSearch.RunWithSharedWeights(args[1], args[2], int.Parse(args[3]));
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

    /// <summary>Kills this process <paramref name="delay"/> after <paramref name="path"/> appears (polled every 2 ms).</summary>
    public static void AfterFileAppears(string path, TimeSpan delay) =>
        new Thread(() =>
        {
            while (!File.Exists(path))
                Thread.Sleep(2);
            Thread.Sleep(delay);
            System.Diagnostics.Process.GetCurrentProcess().Kill();
        }) { IsBackground = true }.Start();
}

/// <summary>Blocks the search forever at its first progress report, so the process keeps the checkpoint directory locked.</summary>
internal sealed class Hold : IProgress<Microsoft.ML.ArchitectureSearch.Execution.SearchProgress>
{
    public void Report(Microsoft.ML.ArchitectureSearch.Execution.SearchProgress value) => Thread.Sleep(Timeout.Infinite);
}
