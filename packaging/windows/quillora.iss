; Inno Setup script for Quillora on Windows: a per-user install that needs no admin rights.
;
; Build the bundle first (PyInstaller, on Windows):
;     .venv\Scripts\python packaging\make_icons.py build\icons
;     .venv\Scripts\pyinstaller --noconfirm --distpath dist --workpath build\pyinstaller packaging\quillora.spec
; then the installer (Inno Setup 6):
;     iscc /DFlavor=cpu packaging\windows\quillora.iss          -> dist\Quillora-0.1.0-windows-x64-cpu-setup.exe
;     iscc /DFlavor=cuda /DAppVersion=0.1.0 packaging\windows\quillora.iss
; .github/workflows/package.yml does both. Not built on the Linux machine this was written on.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef Flavor
  #define Flavor "cpu"
#endif
#define AppName "Quillora"
#define SourceDir "..\..\dist\Quillora"

[Setup]
AppId={{7C3B7B52-1D3E-4C57-9E2B-6F1C1E0A9B41}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=Quillora
AppComments=Teach an open language model your own writing voice, on your own computer.
; Per user, no elevation: installs under %LOCALAPPDATA%\Programs\Quillora.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
UninstallDisplayIcon={app}\Quillora.exe
OutputDir=..\..\dist
OutputBaseFilename=Quillora-{#AppVersion}-windows-x64-{#Flavor}-setup
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; torch is large: LZMA2 with a solid archive keeps the download near the size of a zip.
Compression=lzma2/max
SolidCompression=yes
LZMAUseSeparateProcess=yes
WizardStyle=modern
; Written by packaging/make_icons.py before PyInstaller runs.
#if FileExists(AddBackslash(SourcePath) + "..\..\build\icons\quillora.ico")
SetupIconFile=..\..\build\icons\quillora.ico
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\Quillora.exe"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\Quillora.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\Quillora.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; The bundle only; the user's runs and models live in the data folder and are kept.
Type: filesandordirs; Name: "{app}\_internal"
