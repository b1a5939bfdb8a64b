// Scores with models exported from ArchitectureSearch, on ONNX Runtime: no TorchSharp, no libtorch, no reference to
// the library that searched and trained the network.
//   Images: a CIFAR-10 pipeline exported by mlContext.Model.ConvertToOnnx (src/Examples' cifar10 command writes
//   out/cifar10/model.onnx), scored through ML.NET's ApplyOnnxModel and a PredictionEngine.
//     dotnet run --project src/Examples.OnnxScoring -c Release -- out/cifar10/model.onnx [testdata/cifar10]
//   Language models: the one-step graph SaveAsOnnx writes (src/Examples' ptb command writes out/ptb/model.onnx),
//   driven word by word by OnnxLanguageModel over Penn Treebank sentences.
//     dotnet run --project src/Examples.OnnxScoring -c Release -- ptb out/ptb/model.onnx [testdata/ptb/ptb.test.txt] [MAX_SENTENCES]
using Examples.OnnxScoring;

return args.Length > 0 && args[0] == "ptb" ? PtbScoring.Run(args[1..]) : CifarScoring.Run(args);
