using TorchSharp;
using static TorchSharp.torch;

namespace Sdpo.Engine.Tests;

public class NativeLibraryTests
{
    [Fact]
    public void LibTorchLoadsAndComputes()
    {
        using var a = tensor(new float[] { 1, 2, 3 });
        using var b = a.matmul(a);
        Assert.Equal(14f, b.item<float>());
    }
}
