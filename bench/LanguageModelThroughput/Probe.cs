using TorchSharp;
using static TorchSharp.torch;

internal static class Probe
{
    public static void Run()
    {
        for (int i = 0; i < 2; i++)
        {
            using var g = new Generator(3);
            var t = empty(5);
            nn.init.uniform_(t, -1, 1, g);
            using var g2 = new Generator(3);
            var m = empty(5).bernoulli_(0.5, g2);
            Console.WriteLine($"uniform {string.Join(",", t.data<float>().ToArray())} bern {string.Join(",", m.data<float>().ToArray())} rand {string.Join(",", rand(new long[] { 3 }, generator: new Generator(3)).data<float>().ToArray())}");
        }
    }
}
