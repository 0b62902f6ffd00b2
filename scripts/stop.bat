@echo off
rem Stop qmt-server: the python process listening on exactly port %1 (default 8000), on IPv4 or IPv6.
rem It is asked to stop first (taskkill without /F); only if it still listens 5 seconds later is it
rem ended with taskkill /F. A process that is not python is never touched.
setlocal EnableExtensions
set "PORT=%~1"
if not defined PORT set "PORT=8000"

call :find_listeners
if not defined PIDS (
    echo No process listens on port %PORT%: nothing to stop.
    exit /b 0
)
for %%p in (%PIDS%) do call :require_python %%p || exit /b 1

set "ASKED="
for %%p in (%PIDS%) do call :ask_to_stop %%p
if defined ASKED call :wait_until_gone 5
if not defined PIDS goto stopped

for %%p in (%PIDS%) do call :force_stop %%p || exit /b 1
call :wait_until_gone 5
if defined PIDS (
    echo Port %PORT% is still held by process%PIDS%.
    exit /b 1
)
:stopped
echo qmt-server on port %PORT% stopped.
exit /b 0

rem PIDS := the distinct ids of the processes with a TCP socket listening on exactly port PORT. netstat's
rem columns: proto, local address, foreign address, state, pid. A listening socket's foreign address is
rem 0.0.0.0:0 or [::]:0 (the state's name is translated on some Windows, the address is not).
:find_listeners
set "PIDS="
for /f "tokens=1,2,3,5" %%a in ('netstat -ano') do (
    if /i "%%a"=="TCP" call :consider "%%b" "%%c" "%%d"
)
exit /b 0

rem :consider local-address foreign-address pid. The port is what follows the last colon of the local
rem address (0.0.0.0:8000, [::]:8000), compared whole: port 80 is not port 8000.
:consider
if not "%~2"=="0.0.0.0:0" if not "%~2"=="[::]:0" exit /b 0
set "LOCAL=%~1"
set "LOCAL_PORT="
for %%x in ("%LOCAL::=" "%") do set "LOCAL_PORT=%%~x"
if not "%LOCAL_PORT%"=="%PORT%" exit /b 0
if "%~3"=="0" exit /b 0
for %%q in (%PIDS%) do if "%%q"=="%~3" exit /b 0
set "PIDS=%PIDS% %~3"
exit /b 0

:require_python
set "IMAGE="
rem tasklist's CSV columns: "image","pid",...; a process gone meanwhile gives an INFO line instead.
for /f "tokens=1,2 delims=," %%i in ('tasklist /FI "PID eq %1" /FO CSV /NH 2^>nul') do (
    if "%%~j"=="%1" set "IMAGE=%%~i"
)
if not defined IMAGE exit /b 0
echo %IMAGE% | findstr /I /C:"python" >nul && exit /b 0
echo Port %PORT% is held by %IMAGE% (process %1), which is not qmt-server's python: not stopping it.
exit /b 1

:ask_to_stop
taskkill /PID %1 >nul 2>&1
if errorlevel 1 (
    echo Process %1 on port %PORT% refused a polite stop ^(a console process often takes only /F^).
    exit /b 0
)
echo Asked process %1 on port %PORT% to stop.
set "ASKED=1"
exit /b 0

:force_stop
call :require_python %1 || exit /b 1
echo Process %1 still listens on port %PORT%: ending it with taskkill /F.
taskkill /F /PID %1 >nul
exit /b 0

rem :wait_until_gone seconds. Leaves PIDS as it finds it: empty once nothing listens on PORT.
rem ping is the 1-second sleep: timeout refuses to run when input is redirected.
:wait_until_gone
for /l %%i in (1,1,%1) do (
    call :find_listeners
    if not defined PIDS exit /b 0
    ping -n 2 127.0.0.1 >nul
)
call :find_listeners
exit /b 0
