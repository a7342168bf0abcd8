var app = WebApplication.CreateBuilder(args).Build();
app.MapGet("/", () => Results.Json(new { }));
app.Run();
