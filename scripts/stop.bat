@echo off
rem Stop qmt-server: ends the python process listening on the port (default 8000).
setlocal
set PORT=%1
if "%PORT%"=="" set PORT=8000
for /f "tokens=5" %%p in ('netstat -ano ^| findstr :%PORT% ^| findstr LISTENING') do taskkill /PID %%p /F
endlocal
