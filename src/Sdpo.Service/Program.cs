using Sdpo.Service;

var builder = WebApplication.CreateBuilder(args);
builder.AddSdpoService();

var app = builder.Build();
app.UseSdpoService();
app.Run();

/// <summary>The entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
