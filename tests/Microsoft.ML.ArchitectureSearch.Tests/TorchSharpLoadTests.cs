using Microsoft.ML.ArchitectureSearch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tests;

public class TorchSharpLoadTests
{
    [Fact]
    public void ConvForwardBackwardAndOptimizerStepRunInTestProcess()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(1);
        var device = TorchDevices.Resolve();
        using var conv = nn.Conv2d(3, 4, 3, padding: 1);
        conv.to(device);
        using var optimizer = optim.SGD(conv.parameters(), 0.1);
        var x = randn(2, 3, 8, 8, device: device);
        var before = conv.forward(x).square().mean();
        before.backward();
        Assert.NotNull(conv.weight!.grad);
        Assert.True(conv.weight.grad!.abs().sum().item<float>() > 0);
        optimizer.step();
        optimizer.zero_grad();
        var after = conv.forward(x).square().mean();
        Assert.True(after.item<float>() < before.item<float>(), "one SGD step on a convex loss must lower it");
        Assert.Equal(new long[] { 2, 4, 8, 8 }, conv.forward(x).shape);
    }
}
