using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;
using Sdpo.Benchmarks;

// In process: this build's output holds the patched LibTorchSharp, which a project generated elsewhere would lack.
// At most 40 iterations of about 0.2 s, unrolled once: a sampling step takes about 0.1 s, and on shared machines more
// would mostly measure the neighbours.
var job = Job.Default
    .WithToolchain(InProcessEmitToolchain.Instance)
    .WithIterationTime(TimeInterval.FromMilliseconds(200))
    .WithUnrollFactor(1)
    .WithMaxIterationCount(40);
var config = DefaultConfig.Instance
    .AddJob(job)
    .WithArtifactsPath(Path.Combine(BenchmarkModels.Checkout, "artifacts", "benchmarks"));
// A job named on the command line (--job short, dry, ...) runs in process too. Without one, --inProcess would add a
// second, default job beside the one above.
string[] arguments = args.Contains("--job") && !args.Contains("--inProcess") ? [.. args, "--inProcess"] : args;
BenchmarkSwitcher.FromAssembly(typeof(BenchmarkModels).Assembly).Run(arguments, config);
